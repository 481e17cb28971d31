import { Char } from './json-chars.ts'

/** Where a number is in its grammar: after `-`, `0`, digits, `.`, fraction digits, `e`, its sign, exponent digits. */
export const NumberState = {
  minus: 0,
  zero: 1,
  integer: 2,
  dot: 3,
  fraction: 4,
  exponentMark: 5,
  exponentSign: 6,
  exponent: 7,
} as const
export type NumberState = (typeof NumberState)[keyof typeof NumberState]

/** What `nextNumberState` returns when the character is not part of the number. */
export const NumberEnds = -1
/** What `nextNumberState` returns when the character makes the number invalid. */
export const NumberInvalid = -2

const CAN_END: ReadonlySet<NumberState> = new Set([
  NumberState.zero,
  NumberState.integer,
  NumberState.fraction,
  NumberState.exponent,
])

/** Whether a number in state `state` is complete, so that a delimiter may follow. */
export function numberCanEnd(state: NumberState): boolean {
  return CAN_END.has(state)
}

/** The state after `c` (`digit`: whether it is 0-9), or NumberEnds, or NumberInvalid. */
export function nextNumberState(
  state: NumberState,
  c: number,
  digit: boolean,
): NumberState | typeof NumberEnds | typeof NumberInvalid {
  const exponentMark = c === Char.lowerE || c === Char.upperE
  switch (state) {
    case NumberState.minus:
      return c === Char.zero ? NumberState.zero : digit ? NumberState.integer : NumberInvalid
    case NumberState.zero:
      if (c === Char.dot) return NumberState.dot
      return exponentMark ? NumberState.exponentMark : digit ? NumberInvalid : NumberEnds
    case NumberState.integer:
      if (digit) return NumberState.integer
      if (c === Char.dot) return NumberState.dot
      return exponentMark ? NumberState.exponentMark : NumberEnds
    case NumberState.dot:
      return digit ? NumberState.fraction : NumberInvalid
    case NumberState.fraction:
      if (digit) return NumberState.fraction
      return exponentMark ? NumberState.exponentMark : NumberEnds
    case NumberState.exponentMark:
      if (c === Char.plus || c === Char.minus) return NumberState.exponentSign
      return digit ? NumberState.exponent : NumberInvalid
    case NumberState.exponentSign:
      return digit ? NumberState.exponent : NumberInvalid
    default:
      return digit ? NumberState.exponent : NumberEnds
  }
}
