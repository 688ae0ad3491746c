import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, isoTimestamp } from './log.js';

describe('isoTimestamp', () => {
  it('agrees with Date.prototype.toISOString over years 0000–9999', () => {
    for (const ms of [0, -1, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 4_107_542_400_000 /* 2100-03-01 */, 1_765_000_000_123]) {
      expect(isoTimestamp(ms)).toBe(new Date(ms).toISOString());
    }
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => isoTimestamp(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
  });
});

describe('createLogger', () => {
  it('writes logfmt lines with a UTC timestamp, quoting values that need it', () => {
    const lines: string[] = [];
    createLogger((l) => lines.push(l)).error('send failed', { status: 503, reason: 'a b' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=error msg="send failed" status=503 reason="a b"\n$/);
  });
});
