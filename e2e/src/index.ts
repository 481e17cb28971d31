export { freePort, ROOT, type Running, startService, waitFor } from './processes.ts'
export { startProxy, type TcpProxy } from './proxy.ts'
