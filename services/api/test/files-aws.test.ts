import { describe } from 'vitest'
import { describeFiles } from './files.ts'

describe('/files on moto (S3 over HTTP)', () => describeFiles('aws'))
