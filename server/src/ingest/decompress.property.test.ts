import { constants, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { isHttpError } from '../errors.js';
import { decodeOrTypedError, fuzzRuns, mutate, mutations } from '../testing/fuzz-kit.js';
import { decodeContentEncoding } from './decompress.js';

const LIMIT = 64 * 1024;
const ENCODINGS = ['gzip', 'snappy', '', 'identity', 'x-gzip', 'br', 'GZIP'];

describe('decodeContentEncoding, on generated input', () => {
  it('answers arbitrary bytes with the body or a 400/413/415, for every encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...ENCODINGS), (bytes, enc) => {
        const out = decodeOrTypedError(() => decodeContentEncoding(Buffer.from(bytes), enc, LIMIT), isHttpError);
        if (out.ok) expect(out.value.length).toBeLessThanOrEqual(LIMIT);
        else expect([400, 413, 415]).toContain((out.error as unknown as { status: number }).status);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('gives back what gzip and snappy compressed, up to the limit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const plain = Buffer.from(bytes);
        expect(decodeContentEncoding(gzipSync(plain), 'gzip', LIMIT)).toEqual(plain);
        expect(decodeContentEncoding(compressSync(plain), 'snappy', LIMIT)).toEqual(plain);
        expect(decodeContentEncoding(plain, undefined, LIMIT)).toEqual(plain);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('answers damaged gzip and snappy bodies with a body or a 400/413', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 2048 }), fc.constantFrom('gzip', 'snappy'), mutations, (bytes, enc, damage) => {
        const packed = enc === 'gzip' ? gzipSync(Buffer.from(bytes)) : compressSync(Buffer.from(bytes));
        const out = decodeOrTypedError(() => decodeContentEncoding(mutate(packed, damage), enc, LIMIT), isHttpError);
        if (!out.ok) expect([400, 413]).toContain((out.error as unknown as { status: number }).status);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('refuses a gzip bomb (1 GiB of zeros in 1 MiB) at a 16 MiB limit without inflating the rest', () => {
    const member = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: constants.Z_BEST_COMPRESSION });
    const bomb = Buffer.concat(Array.from({ length: 32 }, () => member));
    const heapBefore = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    let status = 0;
    try {
      decodeContentEncoding(bomb, 'gzip', 16 * 1024 * 1024);
    } catch (err) {
      status = isHttpError(err) ? err.status : -1;
    }
    const elapsedMs = performance.now() - started;
    expect(status).toBe(413);
    // 16 MiB inflates in well under a second; the whole GiB would take several.
    expect(elapsedMs).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a snappy block whose header claims more than the limit before allocating', () => {
    const started = performance.now();
    const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]);
    expect(() => decodeContentEncoding(claim, 'snappy', LIMIT)).toThrow(/exceeds the limit/);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
