export { ROOT, type Running, startService, waitFor } from './processes.ts'
