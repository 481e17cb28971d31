/**
 * The behaviour every ObjectStore driver shows, one file per capability. Each test works under its
 * own key prefix, so the tests share one store (one bucket or directory per test file).
 */
import { afterAll, beforeAll, describe } from 'vitest'
import type { ObjectStore } from '../src/index.ts'
import { listCases } from './objects-contract-list.ts'
import { presignCases } from './objects-contract-presign.ts'
import { readCases } from './objects-contract-read.ts'
import { uploadCases } from './objects-contract-upload.ts'
import { putAndHeadCases } from './objects-contract-write.ts'
import type { ObjectStoreFixture } from './objects-fixtures.ts'

export interface ContractOptions {
  /**
   * Whether a key may also be the folder of other keys (`a` beside `a/b`). S3 allows it; a local
   * bucket is a directory, where `a` is a file or a folder, and refuses the second key (its own
   * tests show that error).
   */
  keyAlsoFolder: boolean
  /**
   * The store keeps what `head` answers, not bodies (the in-memory stand-in, on purpose): only
   * the cases of put, head and conditional writes run.
   */
  headOnly?: boolean
}

export function objectStoreContract(
  name: string,
  open: () => Promise<ObjectStoreFixture>,
  options: ContractOptions,
) {
  describe(name, () => {
    let fixture: ObjectStoreFixture
    beforeAll(async () => {
      fixture = await open()
    })
    afterAll(async () => {
      await fixture?.store.close()
      await fixture?.cleanup()
    })
    const store = (): ObjectStore => fixture.store

    putAndHeadCases(store)
    if (options.headOnly) return
    readCases(store)
    uploadCases(store)
    listCases(store, options)
    presignCases(store)
  })
}
