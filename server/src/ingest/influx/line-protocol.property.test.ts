import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, mutateText, mutations } from '../../testing/fuzz-kit.js';
import { type InfluxField, type InfluxPoint, parseLineProtocol } from './line-protocol.js';

// Line protocol written by the rules of docs.influxdata.com (protocols.md §1.5): escaping of
// measurement (`,` and space), tag keys/values and field keys (`,`, `=` and space), string field
// values (`"` and `\`).

const name = fc.stringMatching(/^[a-zA-Z0-9_ ,=.é😀-]{1,8}$/u).filter((s) => !s.startsWith('#'));
const esc = (s: string, chars: string): string => s.replace(new RegExp(`([${chars}])`, 'g'), '\\$1');
const field: fc.Arbitrary<InfluxField> = fc.oneof(
  fc.record({ key: name, kind: fc.constant('float' as const), value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => v + 0) }),
  fc.record({ key: name, kind: fc.constant('int' as const), value: fc.maxSafeInteger() }),
  fc.record({ key: name, kind: fc.constant('uint' as const), value: fc.maxSafeNat() }),
  fc.record({ key: name, kind: fc.constant('bool' as const), value: fc.boolean() }),
  fc.record({ key: name, kind: fc.constant('string' as const), value: fc.string({ maxLength: 12, unit: 'grapheme' }) }),
);
const point = fc.record({
  measurement: name,
  tags: fc.array(fc.tuple(name, name), { maxLength: 3 }),
  fields: fc.array(field, { minLength: 1, maxLength: 3 }),
  timestamp: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: undefined }),
});

function format(p: Omit<InfluxPoint, 'line'>): string {
  const value = (f: InfluxField): string => {
    switch (f.kind) {
      case 'float':
        return String(f.value);
      case 'int':
        return `${f.value}i`;
      case 'uint':
        return `${f.value}u`;
      case 'bool':
        return f.value ? 'true' : 'F';
      case 'string':
        return `"${esc(f.value, '"\\\\')}"`;
    }
  };
  const tags = p.tags.map(([k, v]) => `,${esc(k, ',= ')}=${esc(v, ',= ')}`).join('');
  const fields = p.fields.map((f) => `${esc(f.key, ',= ')}=${value(f)}`).join(',');
  return `${esc(p.measurement, ', ')}${tags} ${fields}${p.timestamp === undefined ? '' : ` ${p.timestamp}`}`;
}

describe('the Influx line protocol parser, on generated input', () => {
  it('never throws on arbitrary text, and names the line of every error', () => {
    const soup = fc
      .array(fc.oneof(fc.constantFrom('cpu', ',', '=', ' ', '\\', '"', '\n', '\r\n', 'i', 'u', '1', '-', '.', 'e', 't', '#', 'x=1', '9223372036854775808'), fc.string({ maxLength: 3 })), { maxLength: 40 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), soup), (text) => {
        const { points, errors } = parseLineProtocol(text);
        const lines = text.split('\n').length;
        expect(points.length + errors.length).toBeLessThanOrEqual(lines);
        for (const e of errors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(lines);
          expect(e.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it('parses what the documented escaping rules wrote', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 5 }), fc.constantFrom('\n', '\r\n'), (list, eol) => {
        const { points, errors } = parseLineProtocol(list.map(format).join(eol) + eol);
        expect(errors).toEqual([]);
        expect(points.map(({ line: _line, ...p }) => p)).toEqual(list);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('keeps the good lines of a damaged body and never throws', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 2, maxLength: 5 }), mutations, (list, damage) => {
        const text = mutateText(list.map(format).join('\n'), damage);
        const { points, errors } = parseLineProtocol(text);
        expect(points.length + errors.length).toBeLessThanOrEqual(text.split('\n').length);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
