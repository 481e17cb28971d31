import { readFile } from 'node:fs/promises'
import { CloudDependency, CloudError } from '../errors.ts'
import { type CacheOptions, cacheSecret, type Secret } from './secret.ts'

/** A secret held in a local file (its content, surrounding white space trimmed). */
export function openFileSecret(path: string, options: CacheOptions): Secret {
  const read = async () => {
    try {
      return (await readFile(path, 'utf8')).trim()
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') throw new CloudError('NotFound', `secret file ${path} does not exist`)
      throw new CloudError('Unavailable', `secret file ${path}: ${code ?? 'read failed'}`, {
        cause: error,
        dependency: CloudDependency.secrets,
      })
    }
  }
  return cacheSecret(path, read, options)
}
