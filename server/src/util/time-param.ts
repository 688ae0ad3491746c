import { badData } from '../errors.js';

/**
 * Parses a Prometheus API time parameter: RFC 3339 or a (possibly fractional) Unix timestamp in
 * seconds. Returns epoch milliseconds (fractional ms truncated), or `fallback` when absent.
 *
 * @throws HttpError bad_data naming the parameter when the value is neither.
 */
export function parseTimeParam(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) {
    const s = Number(value);
    if (Number.isFinite(s)) return Math.trunc(s * 1000);
  }
  const ms = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(ms)) return ms;
  throw badData(`invalid parameter ${JSON.stringify(name)}: cannot parse ${JSON.stringify(value)} to a valid timestamp`);
}

/** Prometheus' API bounds for an absent start/end, in epoch ms. */
export const MIN_TIME_MS = -9_223_372_036_854;
export const MAX_TIME_MS = 9_223_372_036_854;
