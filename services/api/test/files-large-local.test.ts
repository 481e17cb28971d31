import { describe } from 'vitest'
import { describeLargeFiles } from './files-large.ts'

describe('large /files work on the local store', () => describeLargeFiles('local'))
