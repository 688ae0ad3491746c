/**
 * Epoch milliseconds as ISO 8601 for error messages, or as `<n> ms` when the value lies outside
 * the range a `Date` can hold (±8.64e15 ms): a sender can put any int64 in a timestamp, and the
 * message naming it must not itself fail (`toISOString` throws a RangeError there).
 *
 * @example formatTimestampMs(0) // '1970-01-01T00:00:00.000Z'; formatTimestampMs(1e20) // '100000000000000000000 ms'
 */
export function formatTimestampMs(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? `${ms} ms` : d.toISOString();
}
