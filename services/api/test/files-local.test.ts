import { describe } from 'vitest'
import { describeFiles } from './files.ts'

describe('/files on the local store (presigned URLs served by the api)', () =>
  describeFiles('local'))
