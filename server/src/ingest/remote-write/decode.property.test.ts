import fc from 'fast-check';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { isHttpError } from '../../errors.js';
import {
  decodeOrTypedError,
  fuzzBytes,
  fuzzRuns,
  mutate,
  mutations,
  pbBytesField,
  pbDoubleField,
  pbMessage,
  pbStringField,
  pbVarintField,
  unknownPbField,
} from '../../testing/fuzz-kit.js';
import { ProtobufError } from '../protobuf-reader.js';
import { decompressSnappyBlock } from '../snappy-block.js';
import { decodeLabel, decodeWriteRequest } from './decode.js';

const isProtobufError = (err: unknown): boolean => err instanceof ProtobufError;
const MAX = 1 << 20;

interface GenSeries {
  labels: Array<[string, string]>;
  samples: Array<{ ts: number; value: number }>;
}

const series: fc.Arbitrary<GenSeries> = fc.record({
  labels: fc.array(fc.tuple(fc.string({ maxLength: 12, unit: 'grapheme' }), fc.string({ maxLength: 20, unit: 'grapheme' })), { maxLength: 5 }),
  samples: fc.array(
    fc.record({
      // Timestamps are int64 ms; the decoder is exact within ±2^53 (negative ones included).
      ts: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
      value: fc.double(),
    }),
    { maxLength: 6 },
  ),
});

/** `WriteRequest` from the spec (prompb/remote.proto), with unknown fields sprinkled in. */
function encode(list: GenSeries[], noise: Uint8Array[]): Uint8Array {
  let n = 0;
  const extra = (): Uint8Array[] => (noise.length > 0 ? [noise[n++ % noise.length]!] : []);
  return pbMessage(
    list.flatMap((s) => [
      pbBytesField(
        1,
        pbMessage([
          ...s.labels.map(([name, value]) => pbBytesField(1, pbMessage([pbStringField(1, name), ...extra(), pbStringField(2, value)]))),
          ...s.samples.map((x) => pbBytesField(2, pbMessage([pbDoubleField(1, x.value), ...extra(), pbVarintField(2, x.ts)]))),
          ...extra(),
        ]),
      ),
      ...extra(),
    ]),
  );
}

describe('the remote_write decoder, on generated input', () => {
  it('answers arbitrary bytes with a WriteRequest or a ProtobufError, labels included', () => {
    fc.assert(
      fc.property(fuzzBytes(), (bytes) => {
        const out = decodeOrTypedError(() => {
          const d = decodeWriteRequest(bytes);
          for (const s of d.series) {
            for (let i = 0; i < s.labelRanges.length; i += 2) decodeLabel(bytes, s.labelRanges[i]!, s.labelRanges[i + 1]!);
          }
          return d;
        }, isProtobufError);
        if (out.ok) expect(out.value.samples.length).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('decodes what a spec encoder wrote, through snappy, with unknown fields skipped', () => {
    fc.assert(
      fc.property(fc.array(series, { maxLength: 5 }), fc.array(unknownPbField, { maxLength: 3 }), (list, noise) => {
        const body = decompressSnappyBlock(compressSync(Buffer.from(encode(list, noise))), MAX);
        const d = decodeWriteRequest(body);
        expect(d.series.length).toBe(list.length);
        d.series.forEach((s, i) => {
          const labels: Array<[string, string]> = [];
          for (let k = 0; k < s.labelRanges.length; k += 2) {
            const l = decodeLabel(body, s.labelRanges[k]!, s.labelRanges[k + 1]!);
            labels.push([l.name, l.value]);
          }
          expect(labels).toEqual(list[i]!.labels);
          expect([...s.timestampsMs]).toEqual(list[i]!.samples.map((x) => x.ts));
          expect([...s.values]).toEqual(list[i]!.samples.map((x) => x.value));
        });
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('answers damaged requests with a WriteRequest or a ProtobufError', () => {
    fc.assert(
      fc.property(fc.array(series, { minLength: 1, maxLength: 4 }), mutations, (list, damage) => {
        const bytes = mutate(encode(list, []), damage);
        decodeOrTypedError(() => {
          const d = decodeWriteRequest(bytes);
          for (const s of d.series) {
            for (let i = 0; i < s.labelRanges.length; i += 2) decodeLabel(bytes, s.labelRanges[i]!, s.labelRanges[i + 1]!);
          }
          return d;
        }, isProtobufError);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('answers damaged snappy bodies with the request or a 400/413, never another error', () => {
    fc.assert(
      fc.property(fc.array(series, { minLength: 1, maxLength: 4 }), mutations, (list, damage) => {
        const compressed = mutate(compressSync(Buffer.from(encode(list, []))), damage);
        const out = decodeOrTypedError(() => decompressSnappyBlock(compressed, 64 * 1024), isHttpError);
        if (!out.ok) expect([400, 413]).toContain((out.error as unknown as { status: number }).status);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
