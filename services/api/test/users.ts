import { tokenFor } from './helpers.ts'

let n = 0

/** A fresh user id and its token, so tests never see each other's rows. */
export function newUser() {
  n += 1
  const id = `user-${n}-${Date.now()}`
  return { id, token: tokenFor(id) }
}

/** A valid personal record of `id`, with `extra` fields. */
export const personal = (id: string, extra: Record<string, unknown> = {}) => ({
  user_id: id,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  ...extra,
})
