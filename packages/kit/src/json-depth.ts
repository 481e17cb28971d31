import { badRequest } from './problem.ts'

/**
 * The nesting depth a service accepts in a JSON document unless it documents another. Deep enough
 * for any real record; far below the ~4,000 levels at which `JSON.stringify` (recursive) overflows
 * the stack, and cheap to check.
 */
export const MAX_JSON_DEPTH = 64

/**
 * Nesting depth of a parsed JSON value: 0 for a scalar, 1 for `{}` or `[]`, one more per level of
 * objects or arrays inside. Iterative, so no input can overflow the stack; stops counting once the
 * depth passes `limit` (returning `limit + 1`), so a hostile document costs no more than needed.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0
  const stack: [unknown, number][] = [[value, 0]]
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next
    if (node === null || typeof node !== 'object') continue
    const here = depth + 1
    if (here > deepest) deepest = here
    if (deepest > limit) return limit + 1
    const children = Array.isArray(node) ? node : Object.values(node)
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push([child, here])
    }
  }
  return deepest
}

/**
 * Throws a 400 problem (code `json_too_deep`) when `value` is nested deeper than `max` levels.
 * `what` names the value in the detail; a JSON pointer (`/data`) is also listed in `errors`.
 */
export function assertMaxDepth(value: unknown, max = MAX_JSON_DEPTH, what = 'The JSON body'): void {
  if (jsonDepth(value, max) <= max) return
  const errors = what.startsWith('/')
    ? [{ path: what, message: `is nested deeper than ${max} levels` }]
    : undefined
  throw badRequest(`${what} is nested deeper than ${max} levels.`, {
    code: 'json_too_deep',
    ...(errors ? { errors } : {}),
  })
}
