import { badData } from '../errors.js';

/**
 * Parses a Loki API time parameter to nanoseconds: an integer of nanoseconds (Loki's native form,
 * also what Grafana sends), a float of seconds, or RFC 3339. Returns `fallback` when absent.
 *
 * Integers of 1 to 9 digits are seconds, longer ones nanoseconds, as current Loki decides (so
 * Grafana's `time=4000000000` is 4 s).
 */
export function parseLokiTime(name: string, value: string | undefined, fallback: bigint): bigint {
  if (value === undefined || value === '') return fallback;
  if (/^-?\d+$/.test(value)) {
    return value.replace('-', '').length > 9 ? BigInt(value) : BigInt(value) * 1_000_000_000n;
  }
  if (/^-?\d+\.\d+$/.test(value)) {
    const [whole, frac] = value.split('.') as [string, string];
    const nanos = BigInt((frac + '000000000').slice(0, 9));
    const w = BigInt(whole);
    return w * 1_000_000_000n + (value.startsWith('-') ? -nanos : nanos);
  }
  const ms = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(ms)) {
    const frac = /\.(\d+)/.exec(value)?.[1] ?? '';
    const subMsNanos = BigInt((frac + '000000000').slice(3, 9));
    return BigInt(ms) * 1_000_000n + subMsNanos;
  }
  throw badData(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(value)} as a timestamp`);
}

/** Nanoseconds for an epoch-ms number. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * 1_000_000n;
}
