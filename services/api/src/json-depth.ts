import { HttpProblem } from '@ferry/kit'

/**
 * How deep a JSON document may nest (the same limit as the ingest-api's). Deeper documents are
 * refused before anything recursive (JSON.stringify, the merge patch) sees them.
 */
export const MAX_DOCUMENT_DEPTH = 64

/**
 * Nesting depth of a parsed JSON value, 0 for a scalar and 1 for `{}` or `[]`; iterative, and it
 * stops as soon as it passes `limit`. (The api's own copy until the kit's helper lands.)
 */
export function jsonDepth(value: unknown, limit = MAX_DOCUMENT_DEPTH): number {
  let deepest = 0
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (node === null || typeof node !== 'object') continue
    const here = depth + 1
    if (here > deepest) deepest = here
    if (deepest > limit) return deepest
    for (const child of Object.values(node)) stack.push([child, here])
  }
  return deepest
}

/** 400 `json_too_deep` naming `field` when `value` nests deeper than MAX_DOCUMENT_DEPTH. */
export function checkDepth(value: unknown, field: string): void {
  if (jsonDepth(value) <= MAX_DOCUMENT_DEPTH) return
  throw new HttpProblem(
    400,
    `${field} nests deeper than ${MAX_DOCUMENT_DEPTH} levels of objects and arrays.`,
    {
      code: 'json_too_deep',
      errors: [
        { path: `/${field}`, message: `is nested deeper than ${MAX_DOCUMENT_DEPTH} levels` },
      ],
    },
  )
}
