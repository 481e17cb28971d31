/**
 * `email_timestream` as a positive whole unix timestamp, or undefined when it is not one.
 * Accepts a number or a string of digits ("1700000000"); rejects "", "abc", "12.5", 12.5, 0, -5.
 */
export function parseUnixTimestamp(value: number | string): number | undefined {
  const n = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : Number.NaN
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}
