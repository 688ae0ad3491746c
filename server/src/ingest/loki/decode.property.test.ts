import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeOrTypedError,
  fuzzBytes,
  fuzzRuns,
  mutate,
  mutateText,
  mutations,
  pbBytesField,
  pbMessage,
  pbStringField,
  pbVarintField,
  unknownPbField,
} from '../../testing/fuzz-kit.js';
import { ProtobufError } from '../protobuf-reader.js';
import { decodeLokiJson, decodeLokiProtobuf } from './decode.js';

interface GenStream {
  labels: Record<string, string>;
  entries: Array<{ tsNs: bigint; line: string; metadata: Record<string, string> | undefined }>;
}

const text = fc.string({ maxLength: 24, unit: 'grapheme' });
const stream: fc.Arbitrary<GenStream> = fc.record({
  labels: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/), text, { maxKeys: 4 }),
  entries: fc.array(
    fc.record({
      tsNs: fc.bigInt({ min: 0n, max: 9_223_372_036_854_775_807n }),
      line: fc.string({ maxLength: 60, unit: 'grapheme' }),
      metadata: fc.option(fc.dictionary(fc.stringMatching(/^[a-z_]{1,6}$/), text, { minKeys: 1, maxKeys: 3 }), { nil: undefined }),
    }),
    { maxLength: 5 },
  ),
});

/** Loki's push JSON, as `pino-loki` and Grafana Alloy write it. */
function toJson(list: GenStream[]): string {
  return JSON.stringify({
    streams: list.map((s) => ({
      stream: s.labels,
      values: s.entries.map((e) => (e.metadata ? [String(e.tsNs), e.line, e.metadata] : [String(e.tsNs), e.line])),
    })),
  });
}

function selector(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** Loki's `PushRequest` from `pkg/push/push.proto`, with unknown fields sprinkled in. */
function toProtobuf(list: GenStream[], noise: Uint8Array[]): Uint8Array {
  const extra = (i: number): Uint8Array[] => (noise.length > 0 ? [noise[i % noise.length]!] : []);
  return pbMessage(
    list.map((s, i) =>
      pbBytesField(
        1,
        pbMessage([
          pbStringField(1, selector(s.labels)),
          ...extra(i),
          ...s.entries.map((e) => {
            const seconds = e.tsNs / 1_000_000_000n;
            const nanos = e.tsNs % 1_000_000_000n;
            return pbBytesField(
              2,
              pbMessage([
                pbBytesField(1, pbMessage([pbVarintField(1, seconds), pbVarintField(2, nanos)])),
                pbStringField(2, e.line),
                ...extra(i + 1),
                ...Object.entries(e.metadata ?? {}).map(([k, v]) => pbBytesField(3, pbMessage([pbStringField(1, k), pbStringField(2, v)]))),
              ]),
            );
          }),
        ]),
      ),
    ),
  );
}

const isError = (err: unknown): boolean => err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError);
const isProtobufError = (err: unknown): boolean => err instanceof ProtobufError;

describe('the Loki push decoders, on generated input', () => {
  it('answer arbitrary text with streams or a decode error (JSON)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ streams: [v] }))), (body) => {
        decodeOrTypedError(() => decodeLokiJson(body), isError);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('answer arbitrary bytes with streams or a ProtobufError (protobuf)', () => {
    fc.assert(
      fc.property(fuzzBytes(), (bytes) => {
        decodeOrTypedError(() => decodeLokiProtobuf(bytes), isProtobufError);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('decode what a spec encoder wrote, in JSON and in protobuf alike', () => {
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 4 }), fc.array(unknownPbField, { maxLength: 2 }), (list, noise) => {
        const fromJson = decodeLokiJson(toJson(list));
        expect(fromJson.map((s) => s.error)).toEqual(list.map(() => undefined));
        expect(fromJson).toEqual(list.map((s) => ({ labels: s.labels, entries: s.entries })));
        const fromProto = decodeLokiProtobuf(toProtobuf(list, noise));
        expect(fromProto).toEqual(list.map((s) => ({ labels: selector(s.labels), entries: s.entries })));
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('answer damaged pushes with streams (or per-stream errors) or a decode error', () => {
    fc.assert(
      fc.property(fc.array(stream, { minLength: 1, maxLength: 3 }), mutations, (list, damage) => {
        decodeOrTypedError(() => decodeLokiJson(mutateText(toJson(list), damage)), isError);
        decodeOrTypedError(() => decodeLokiProtobuf(mutate(toProtobuf(list, []), damage)), isProtobufError);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
