import { fileURLToPath } from 'node:url'

/** The service's numbered SQL migrations, applied at start by `migrate` under an advisory lock. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url))
