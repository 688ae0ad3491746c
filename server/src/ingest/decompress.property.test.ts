import { randomBytes } from 'node:crypto';
import { constants, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { isHttpError } from '../errors.js';
import { fuzzRuns, mutate, mutations } from '../testing/fuzz-kit.js';
import { RATIO_FLOOR_BYTES, decodeContentEncoding } from './decompress.js';

/** The decoded body, or the typed (HttpError) failure; anything else is a bug and is thrown. */
async function outcome(decoding: Promise<Buffer>): Promise<{ ok: true; value: Buffer } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await decoding };
  } catch (err) {
    if (!isHttpError(err)) throw err;
    expect(err.message.length).toBeGreaterThan(0);
    return { ok: false, error: err };
  }
}

async function statusOf(decoding: Promise<Buffer>): Promise<number> {
  const out = await outcome(decoding);
  return out.ok ? 200 : (out.error as unknown as { status: number }).status;
}

const LIMIT = 64 * 1024;
const ENCODINGS = ['gzip', 'snappy', '', 'identity', 'x-gzip', 'br', 'GZIP'];

describe('decodeContentEncoding, on generated input', () => {
  it('answers arbitrary bytes with the body or a 400/413/415, for every encoding', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...ENCODINGS), async (bytes, enc) => {
        const out = await outcome(decodeContentEncoding(Buffer.from(bytes), enc, LIMIT));
        if (out.ok) expect(out.value.length).toBeLessThanOrEqual(LIMIT);
        else expect([400, 413, 415]).toContain((out.error as unknown as { status: number }).status);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('gives back what gzip and snappy compressed, up to the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        const plain = Buffer.from(bytes);
        expect(await decodeContentEncoding(gzipSync(plain), 'gzip', LIMIT)).toEqual(plain);
        expect(await decodeContentEncoding(compressSync(plain), 'snappy', LIMIT)).toEqual(plain);
        expect(await decodeContentEncoding(plain, undefined, LIMIT)).toEqual(plain);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('answers damaged gzip and snappy bodies with a body or a 400/413', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2048 }), fc.constantFrom('gzip', 'snappy'), mutations, async (bytes, enc, damage) => {
        const packed = enc === 'gzip' ? gzipSync(Buffer.from(bytes)) : compressSync(Buffer.from(bytes));
        const out = await outcome(decodeContentEncoding(mutate(packed, damage), enc, LIMIT));
        if (!out.ok) expect([400, 413]).toContain((out.error as unknown as { status: number }).status);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('refuses a gzip bomb (1 GiB of zeros in 1 MiB) at a 16 MiB limit without inflating the rest', async () => {
    const member = gzipSync(Buffer.alloc(32 * 1024 * 1024), { level: constants.Z_BEST_COMPRESSION });
    const bomb = Buffer.concat(Array.from({ length: 32 }, () => member));
    const heapBefore = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    // With the ratio check off, the limit alone stops it.
    expect(await statusOf(decodeContentEncoding(bomb, 'gzip', 16 * 1024 * 1024, 0))).toBe(413);
    const elapsedMs = performance.now() - started;
    // 16 MiB inflates in well under a second; the whole GiB would take several.
    expect(elapsedMs).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses a gzip bomb by its ratio after a few MiB, far below a large limit, naming the setting', async () => {
    const member = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: constants.Z_BEST_COMPRESSION });
    const bomb = Buffer.concat(Array.from({ length: 8 }, () => member)); // 2 GiB of zeros in ~2 MB
    const heapBefore = process.memoryUsage().arrayBuffers;
    const out = await outcome(decodeContentEncoding(bomb, 'gzip', 1024 * 1024 * 1024));
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect((out.error as unknown as { status: number }).status).toBe(413);
    expect(out.error.message).toMatch(/200× .*maxDecompressionRatio/);
    // Stopped near the 8 MiB floor, not at the 1 GiB limit.
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // A small bomb (under the synchronous size) is capped by its whole-body ratio the same way.
    const small = gzipSync(Buffer.alloc(12 * 1024 * 1024));
    expect(small.length).toBeLessThan(16 * 1024);
    const smallOut = await outcome(decodeContentEncoding(small, 'gzip', 1024 * 1024 * 1024));
    expect(smallOut.ok ? '' : smallOut.error.message).toMatch(/maxDecompressionRatio/);
  });

  it('refuses a gzip bomb behind megabytes of incompressible bytes by the ratio of a stretch', async () => {
    const noise = gzipSync(randomBytes(6 * 1024 * 1024), { level: 1 }); // ≈ 6 MiB in, 6 MiB out
    const member = gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: constants.Z_BEST_COMPRESSION });
    const body = Buffer.concat([noise, member, member]); // the prefix alone allows 200 × 6 MiB
    const heapBefore = process.memoryUsage().arrayBuffers;
    const out = await outcome(decodeContentEncoding(body, 'gzip', 1024 * 1024 * 1024));
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect((out.error as unknown as { status: number }).status).toBe(413);
    expect(out.error.message).toMatch(/^16777216 bytes of the decompressed body came from \d+ compressed bytes, over 200× \(maxDecompressionRatio\)/);
    // Stopped one stretch into the bomb: 6 MiB of noise and 16–24 MiB of zeros, not 512 MiB.
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // The same prefix before real data (text at ≈ 10×) passes.
    const text = Buffer.from(Array.from({ length: 400_000 }, (_, i) => `cpu_usage{host="h${i % 997}",core="${i % 13}"} ${(i * 7919) % 10007}\n`).join(''));
    const good = Buffer.concat([noise, gzipSync(text)]);
    expect((await decodeContentEncoding(good, 'gzip', 1024 * 1024 * 1024)).length).toBe(6 * 1024 * 1024 + text.length);
  });

  it('keeps highly compressible bodies under the floor, and any ratio when the check is off', async () => {
    const repetitive = Buffer.from('cpu_usage{host="a"} 1\n'.repeat(200_000)); // ≈ 4.6 MB, ratio ≈ 500
    const packed = gzipSync(repetitive);
    expect(repetitive.length / packed.length).toBeGreaterThan(200);
    expect(repetitive.length).toBeLessThan(RATIO_FLOOR_BYTES);
    // Buffer#equals: toEqual walks megabytes element by element.
    expect((await decodeContentEncoding(packed, 'gzip', 64 * 1024 * 1024)).equals(repetitive)).toBe(true);
    const big = Buffer.alloc(24 * 1024 * 1024, 'x');
    const bigPacked = gzipSync(big);
    expect(await statusOf(decodeContentEncoding(bigPacked, 'gzip', 64 * 1024 * 1024))).toBe(413);
    expect((await decodeContentEncoding(bigPacked, 'gzip', 64 * 1024 * 1024, 0)).equals(big)).toBe(true);
  });

  it('inflates large gzip bodies off the event loop', async () => {
    const plain = Buffer.alloc(48 * 1024 * 1024, 'abcdefgh');
    const packed = gzipSync(plain);
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 1);
    const out = await decodeContentEncoding(packed, 'gzip', 64 * 1024 * 1024, 0);
    clearInterval(timer);
    expect(out.length).toBe(plain.length);
    // Synchronous inflating would hold the loop for the whole 48 MiB: no timer could run.
    expect(ticks).toBeGreaterThan(0);
  });

  it('refuses a snappy block whose header claims more than the limit before allocating', async () => {
    const started = performance.now();
    const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x61]);
    await expect(decodeContentEncoding(claim, 'snappy', LIMIT)).rejects.toThrow(/exceeds the limit/);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
