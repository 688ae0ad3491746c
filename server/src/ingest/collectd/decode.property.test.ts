import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOrTypedError, fuzzRuns, mutateText, mutations } from '../../testing/fuzz-kit.js';
import { CollectdDecodeError, decodeCollectdJson } from './decode.js';

// collectd's `write_http` JSON (format_json.c, protocols.md §1.6): an array of value lists.

const valueList = fc
  .record({
    values: fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0), fc.constant(null)), { minLength: 1, maxLength: 3 }),
    time: fc.double({ min: 0, max: 4e9, noNaN: true }),
    interval: fc.double({ min: 0, max: 3600, noNaN: true }),
    host: fc.string({ maxLength: 8 }),
    plugin: fc.constantFrom('load', 'cpu', 'disk-io', 'if_octets', 'memory', 'x9'),
    plugin_instance: fc.string({ maxLength: 6 }),
    type: fc.constantFrom('load', 'gauge', 'derive', 'cpu', 'if_octets'),
    type_instance: fc.string({ maxLength: 6 }),
  })
  .chain((l) =>
    fc
      .array(fc.constantFrom('gauge', 'counter', 'derive', 'absolute'), { minLength: l.values.length, maxLength: l.values.length })
      .map((dstypes) => ({ ...l, dstypes, dsnames: l.values.map((_, i) => (i === 0 ? 'value' : `ds${i}`)) })),
  );

const isTyped = (err: unknown): boolean => err instanceof CollectdDecodeError;

describe('the collectd decoder, on generated input', () => {
  it('answers arbitrary JSON with samples and per-list problems, or a CollectdDecodeError', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.json({ maxDepth: 4 }),
      fc.array(fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom('values', 'dstypes', 'dsnames', 'time', 'host', 'plugin', 'type', 'plugin_instance', 'type_instance'), fc.jsonValue({ maxDepth: 2 }))), { maxLength: 4 }).map((a) => JSON.stringify(a)),
    );
    fc.assert(
      fc.property(text, (body) => {
        const out = decodeOrTypedError(() => decodeCollectdJson(body), isTyped);
        if (out.ok) for (const s of out.value.samples) expect(typeof s.value).toBe('number');
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('turns every non-null value of a valid body into one sample at its time', () => {
    fc.assert(
      fc.property(fc.array(valueList, { maxLength: 4 }), (lists) => {
        const { samples, problems, nulls } = decodeCollectdJson(JSON.stringify(lists));
        expect(problems).toEqual([]);
        const values = lists.flatMap((l) => l.values);
        expect(nulls).toBe(values.filter((v) => v === null).length);
        expect(samples.map((s) => s.value)).toEqual(values.filter((v) => v !== null));
        expect(samples.map((s) => s.timestampMs)).toEqual(lists.flatMap((l) => l.values.filter((v) => v !== null).map(() => Math.round(l.time * 1000))));
        for (const s of samples) expect(s.labels.find((l) => l.name === '__name__')?.value).toMatch(/^collectd_[a-zA-Z0-9_:]+$/);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });

  it('answers damaged bodies with samples or a CollectdDecodeError', () => {
    fc.assert(
      fc.property(fc.array(valueList, { minLength: 1, maxLength: 3 }), mutations, (lists, damage) => {
        decodeOrTypedError(() => decodeCollectdJson(mutateText(JSON.stringify(lists), damage)), isTyped);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
