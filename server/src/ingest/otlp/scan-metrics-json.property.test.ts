import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzTimeoutMs, mutate, mutations } from '../../testing/fuzz-kit.js';
import { decodeMetricsJson, decodeMetricsJsonGeneral } from './decode-json.js';
import { isOtlpDecodeError } from './model.js';
import { scanMetricsJson } from './scan-metrics-json.js';

// The OTLP/JSON metrics scanner against the general decoder (JSON.parse, then field by field),
// which defines the result: on generated requests written with every liberty JSON and the OTLP
// JSON encoding allow (whitespace, escapes, key order, unknown fields, 64-bit integers as strings
// or numbers, nulls, every metric and AnyValue kind), the scanner must handle the request and
// give exactly the general decoder's model; on damaged requests it must either give that same
// model or leave the request to the general decoder (which then answers or names the problem).

// --- a JSON tree that keeps the choices of how to write it -------------------------------------

type J =
  | { t: 'obj'; members: Array<[string, J]> }
  | { t: 'arr'; items: J[] }
  | { t: 'str'; v: string }
  | { t: 'num'; text: string }
  | { t: 'lit'; v: 'true' | 'false' | 'null' };

const obj = (members: Array<[string, J | undefined]>): J => ({ t: 'obj', members: members.filter((m): m is [string, J] => m[1] !== undefined) });
const arr = (items: J[]): J => ({ t: 'arr', items });
const str = (v: string): J => ({ t: 'str', v });
const num = (text: string): J => ({ t: 'num', text });
const NULL: J = { t: 'lit', v: 'null' };
const bool = (v: boolean): J => ({ t: 'lit', v: v ? 'true' : 'false' });

/** A small deterministic PRNG, so one generated seed decides every writing choice. */
function prng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

const WS = ['', '', '', ' ', '\n', '\t', '\r\n  ', '  '];
const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' };

function writeString(s: string, rnd: (n: number) => number, escapes: boolean): string {
  let out = '"';
  // By code point: a surrogate pair is escaped whole or not at all, a lone surrogate always
  // (the text must stay well-formed to have a UTF-8 form).
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    const must = ch === '"' || ch === '\\' || code < 0x20 || (code >= 0xd800 && code <= 0xdfff);
    if (must || (escapes && rnd(4) === 0)) {
      const short = SHORT[ch];
      if (short !== undefined && rnd(2) === 0) out += short;
      else {
        for (let i = 0; i < ch.length; i++) {
          const hex = ch.charCodeAt(i).toString(16).padStart(4, '0');
          out += `\\u${rnd(2) === 0 ? hex : hex.toUpperCase()}`;
        }
      }
    } else out += ch;
  }
  return `${out}"`;
}

/** Writes `j` as JSON text; `style` 0 is compact and plain, otherwise random whitespace and escapes. */
function write(j: J, seed: number, style: number): string {
  const rnd = prng(seed);
  const ws = (): string => (style === 0 ? '' : WS[rnd(WS.length)]!);
  const go = (v: J): string => {
    switch (v.t) {
      case 'obj':
        if (v.members.length === 0) return `{${ws()}}`;
        return `{${v.members.map(([k, x]) => `${ws()}${writeString(k, rnd, style === 2)}${ws()}:${ws()}${go(x)}${ws()}`).join(',')}}`;
      case 'arr':
        if (v.items.length === 0) return `[${ws()}]`;
        return `[${v.items.map((x) => `${ws()}${go(x)}${ws()}`).join(',')}]`;
      case 'str':
        return writeString(v.v, rnd, style !== 0);
      case 'num':
        return v.text;
      case 'lit':
        return v.v;
    }
  };
  return `${ws()}${go(j)}${ws()}`;
}

// --- generators ----------------------------------------------------------------------------------

/** Text with escapes to write, unicode (astral too) and JSON-special characters. */
const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8, unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8, unit: fc.constantFrom('"', '\\', '/', '\n', '\u0000', '\u001f', 'é', '\u2028', '😀', '\ud800', '\udc00', 'a', '\u00ff') }) },
);

/** A JSON number as written by people and encoders. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)),
  fc.integer().map(String),
  fc.constantFrom('0', '-0', '0.0', '-0.0', '1e3', '1E-3', '2.5e+2', '1.50', '0.1', '123456789012345678901', '1e400', '-1e400', '9007199254740993', '4.9e-324', '1.7976931348623157e308'),
  fc
    .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9][0-9]{0,18})$/), fc.option(fc.stringMatching(/^[0-9]{1,18}$/)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 330 }))))
    .map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : `${exp[0]}${exp[1]}${exp[2]}`}`),
);
const integerText = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String),
  fc.integer({ min: 0, max: 1e6 }).map(String),
  fc.constantFrom('0', '-0', '007', '99999999999999999999', '1733500800000000000'),
);
/** An int64 field: a decimal string, a number (integral, maybe written as a float), or null. */
const int64: fc.Arbitrary<J> = fc.oneof(
  { weight: 4, arbitrary: integerText.map(str) },
  { weight: 2, arbitrary: fc.integer({ min: -1e9, max: 1e9 }).map((n) => num(String(n))) },
  { weight: 1, arbitrary: fc.constantFrom(num('1e3'), num('12.0'), num('-0'), num('12345678901234567890'), num('1.5e1'), NULL) },
);
/** A double field: a number, a numeric or non-finite string, or null. */
const double: fc.Arbitrary<J> = fc.oneof(
  { weight: 5, arbitrary: numberText.map(num) },
  { weight: 1, arbitrary: fc.constantFrom(str('NaN'), str('Infinity'), str('-Infinity'), str('1.5'), str(' 2 '), str('0x10'), str('1e3'), NULL) },
);
const enumValue: fc.Arbitrary<J> = fc.oneof(fc.integer({ min: -3, max: 5 }).map((n) => num(String(n))), fc.constantFrom(num('1.0'), num('2e0'), num('-0'), NULL));
const maybeNullString = (a: fc.Arbitrary<string>): fc.Arbitrary<J> => fc.oneof({ weight: 6, arbitrary: a.map(str) }, { weight: 1, arbitrary: fc.constant(NULL) });

/** Arbitrary JSON, for unknown fields and exponential histogram points. */
const anyJson: fc.Arbitrary<J> = fc.letrec<{ v: J }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map(str),
    numberText.map(num),
    fc.constantFrom<J>(NULL, bool(true), bool(false)),
    fc.array(tie('v'), { maxLength: 3 }).map(arr),
    fc.array(fc.tuple(text, tie('v')), { maxLength: 3 }).map((m) => obj(m)),
  ),
})).v;

/** Every field name of the messages read (never used as an unknown member's name). */
const KNOWN = new Set(
  'resourceMetrics resource attributes scopeMetrics scope name version metrics description unit gauge sum histogram exponentialHistogram summary dataPoints aggregationTemporality isMonotonic startTimeUnixNano timeUnixNano flags asDouble asInt count bucketCounts explicitBounds quantileValues quantile value key stringValue boolValue intValue doubleValue bytesValue arrayValue kvlistValue values'.split(' '),
);
/** Unknown members to mix into an object. */
const unknownMembers = fc.array(fc.tuple(fc.oneof(fc.constantFrom('schemaUrl', 'droppedAttributesCount', 'exemplars', 'zeroCount', '__proto__', 'constructor'), text.filter((k) => !KNOWN.has(k))), anyJson), { maxLength: 2 });

/** The members in a random order, with the unknown ones mixed in. */
function shuffled(members: Array<[string, J | undefined]>, extra: Array<[string, J]>, order: number): J {
  const all = [...members.filter((m): m is [string, J] => m[1] !== undefined), ...extra];
  const rnd = prng(order);
  for (let i = all.length - 1; i > 0; i--) {
    const k = rnd(i + 1);
    [all[i], all[k]] = [all[k]!, all[i]!];
  }
  return { t: 'obj', members: all };
}

const anyValue: fc.Arbitrary<J> = fc.letrec<{ any: J }>((tie) => ({
  any: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    maybeNullString(text).map((v) => obj([['stringValue', v]])),
    fc.constantFrom(bool(true), bool(false), NULL).map((v) => obj([['boolValue', v]])),
    int64.map((v) => obj([['intValue', v]])),
    double.map((v) => obj([['doubleValue', v]])),
    fc.oneof(fc.base64String({ maxLength: 12 }).map(str), fc.constantFrom(str('not base64!'), NULL)).map((v) => obj([['bytesValue', v]])),
    fc.oneof(fc.array(tie('any'), { maxLength: 3 }).map((items) => obj([['values', arr(items)]])), fc.constantFrom(NULL, obj([]), obj([['values', NULL]]))).map((v) => obj([['arrayValue', v]])),
    fc
      .oneof(
        fc
          .array(fc.oneof({ weight: 5, arbitrary: fc.tuple(maybeNullString(text), fc.option(tie('any'), { nil: undefined })).map(([k, v]) => obj([['key', k], ['value', v]])) }, { weight: 1, arbitrary: fc.constant(NULL) }), { maxLength: 3 })
          .map((items) => obj([['values', arr(items)]])),
        fc.constantFrom(NULL, obj([])),
      )
      .map((v) => obj([['kvlistValue', v]])),
    fc.constantFrom(obj([]), NULL, obj([['stringValue', str('first')], ['intValue', str('2')]]), obj([['intValue', str('3')], ['stringValue', str('wins')]])),
  ),
})).any;

const keyValue: fc.Arbitrary<J> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(maybeNullString(text), fc.option(anyValue, { nil: undefined }), unknownMembers, fc.integer()).map(([k, v, extra, order]) => shuffled([['key', k], ['value', v]], extra, order)) },
  { weight: 1, arbitrary: fc.constant(NULL) },
);
/** Attribute lists, many of them from a small pool, so that repeated lists (interned) are common. */
const attributeList: fc.Arbitrary<J> = fc.array(keyValue, { maxLength: 4 }).map(arr);
const attributePool = fc.array(attributeList, { minLength: 1, maxLength: 4 });
const attributes = (pool: J[]): fc.Arbitrary<J | undefined> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: pool.length - 1 }).map((i) => pool[i]!) },
    { weight: 2, arbitrary: attributeList },
    { weight: 1, arbitrary: fc.constantFrom(undefined, NULL) },
  );
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 4 });

const pointBase = (pool: J[]) =>
  fc.record({
    attributes: attributes(pool),
    startTimeUnixNano: opt(int64),
    timeUnixNano: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(str('1733500800000000000'), str('1733500810000000000')) }, { weight: 2, arbitrary: int64 }),
    flags: opt(enumValue),
  });
const withBase = (b: Record<string, J | undefined>): Array<[string, J | undefined]> => Object.entries(b);

const numberPoint = (pool: J[]): fc.Arbitrary<J> =>
  fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(pointBase(pool), fc.oneof(double.map((d) => ['asDouble', d] as const), int64.map((i) => ['asInt', i] as const), fc.constant(undefined)), unknownMembers, fc.integer())
        .map(([b, value, extra, order]) => shuffled([...withBase(b), ...(value ? [[value[0], value[1]] as [string, J]] : [])], extra, order)),
    },
    { weight: 1, arbitrary: fc.constant(NULL) },
  );
const histogramPoint = (pool: J[]): fc.Arbitrary<J> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(pointBase(pool), opt(int64), opt(double), opt(fc.array(int64, { maxLength: 4 }).map(arr)), opt(fc.array(double, { maxLength: 3 }).map(arr)), unknownMembers, fc.integer())
        .map(([b, count, sum, buckets, bounds, extra, order]) =>
          shuffled([...withBase(b), ['count', count], ['sum', sum], ['bucketCounts', buckets], ['explicitBounds', bounds]], extra, order),
        ),
    },
    { weight: 1, arbitrary: fc.constant(NULL) },
  );
const quantile: fc.Arbitrary<J> = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(opt(double), opt(double)).map(([q, v]) => obj([['quantile', q], ['value', v]])) },
  { weight: 1, arbitrary: fc.constant(NULL) },
);
const summaryPoint = (pool: J[]): fc.Arbitrary<J> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .tuple(pointBase(pool), opt(int64), opt(double), opt(fc.oneof(fc.array(quantile, { maxLength: 3 }).map(arr), fc.constant(NULL))), unknownMembers, fc.integer())
        .map(([b, count, sum, qs, extra, order]) => shuffled([...withBase(b), ['count', count], ['sum', sum], ['quantileValues', qs]], extra, order)),
    },
    { weight: 1, arbitrary: fc.constant(NULL) },
  );
const points = (point: fc.Arbitrary<J>): fc.Arbitrary<J | undefined> => fc.oneof({ weight: 6, arbitrary: fc.array(point, { maxLength: 4 }).map(arr) }, { weight: 1, arbitrary: fc.constantFrom(undefined, NULL) });

const metricData = (pool: J[]): fc.Arbitrary<Array<[string, J]>> =>
  fc.oneof(
    points(numberPoint(pool)).map((dp) => [['gauge', obj([['dataPoints', dp]])]] as Array<[string, J]>),
    fc.tuple(points(numberPoint(pool)), opt(enumValue), opt(fc.constantFrom(bool(true), bool(false), NULL))).map(([dp, t, m]) => [['sum', obj([['dataPoints', dp], ['aggregationTemporality', t], ['isMonotonic', m]])]] as Array<[string, J]>),
    fc.tuple(points(histogramPoint(pool)), opt(enumValue)).map(([dp, t]) => [['histogram', obj([['dataPoints', dp], ['aggregationTemporality', t]])]] as Array<[string, J]>),
    fc.oneof(fc.array(anyJson, { maxLength: 3 }).map(arr), fc.constant(NULL)).map((dp) => [['exponentialHistogram', obj([['dataPoints', dp], ['aggregationTemporality', num('2')]])]] as Array<[string, J]>),
    points(summaryPoint(pool)).map((dp) => [['summary', obj([['dataPoints', dp]])]] as Array<[string, J]>),
    // No data, a null one, or two kinds at once (the general decoder takes the first by its order).
    fc.constant([] as Array<[string, J]>),
    fc.constant([['gauge', NULL]] as Array<[string, J]>),
    points(numberPoint(pool)).map((dp) => [['sum', obj([['dataPoints', dp], ['aggregationTemporality', num('2')]])], ['gauge', obj([['dataPoints', dp]])]] as Array<[string, J]>),
  );

const metric = (pool: J[]): fc.Arbitrary<J> =>
  fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .tuple(opt(maybeNullString(text)), opt(maybeNullString(text)), opt(maybeNullString(fc.constantFrom('', 'ms', 's', 'By', '{request}'))), metricData(pool), unknownMembers, fc.integer())
        .map(([name, description, unit, data, extra, order]) => shuffled([['name', name], ['description', description], ['unit', unit], ...data], extra, order)),
    },
    { weight: 1, arbitrary: fc.constant(NULL) },
  );

const scope: fc.Arbitrary<J | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(opt(maybeNullString(text)), opt(maybeNullString(text)), opt(attributeList), unknownMembers, fc.integer()).map(([n, v, a, extra, order]) => shuffled([['name', n], ['version', v], ['attributes', a]], extra, order)) },
  { weight: 1, arbitrary: fc.constantFrom(undefined, NULL) },
);

const request: fc.Arbitrary<J> = attributePool.chain((pool) => {
  const scopeMetrics = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(scope, opt(fc.array(metric(pool), { maxLength: 3 }).map(arr)), unknownMembers, fc.integer()).map(([s, m, extra, order]) => shuffled([['scope', s], ['metrics', m]], extra, order)) },
    { weight: 1, arbitrary: fc.constant(NULL) },
  );
  const resourceMetrics = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.oneof(opt(attributeList).map((a) => obj([['attributes', a]])), fc.constantFrom(undefined, NULL)), opt(fc.array(scopeMetrics, { maxLength: 2 }).map(arr)), unknownMembers, fc.integer())
        .map(([r, s, extra, order]) => shuffled([['resource', r], ['scopeMetrics', s]], extra, order)),
    },
    { weight: 1, arbitrary: fc.constant(NULL) },
  );
  return fc
    .tuple(fc.oneof({ weight: 8, arbitrary: fc.array(resourceMetrics, { maxLength: 2 }).map(arr) }, { weight: 1, arbitrary: fc.constantFrom<J | undefined>(undefined, NULL) }), unknownMembers, fc.integer())
    .map(([rm, extra, order]) => shuffled([['resourceMetrics', rm]], extra, order));
});

/** A request and how to write it: 0 compact, 1 random whitespace and escapes in values, 2 also in keys. */
const written = fc.tuple(request, fc.integer(), fc.constantFrom(0, 1, 2)).map(([j, seed, style]) => write(j, seed, style));

function general(text: string): { ok: true; value: unknown } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: decodeMetricsJsonGeneral(text) };
  } catch (error) {
    return { ok: false, error };
  }
}

describe('the OTLP/JSON metrics scanner, against the general decoder', () => {
  it('reads every generated valid request itself, to exactly the general decoder model', { timeout: fuzzTimeoutMs(60_000) }, () => {
    fc.assert(
      fc.property(written, (body) => {
        const expected = general(body);
        // The generator writes only valid requests: wrong types are tested below.
        if (!expected.ok) throw expected.error;
        const fast = scanMetricsJson(Buffer.from(body, 'utf8'));
        expect(fast).toBeDefined();
        expect(fast).toEqual(expected.value);
        expect(decodeMetricsJson(body)).toEqual(expected.value);
        expect(decodeMetricsJson(Buffer.from(body, 'utf8'))).toEqual(expected.value);
      }),
      { numRuns: fuzzRuns(1500) },
    );
  });

  it('gives the same outcome as the general decoder on damaged requests', { timeout: fuzzTimeoutMs(60_000) }, () => {
    fc.assert(
      fc.property(written, mutations, (body, damage) => {
        const bytes = mutate(Buffer.from(body, 'utf8'), damage);
        const expected = general(bytes.toString('utf8'));
        const fast = scanMetricsJson(bytes);
        // The scanner answers only what the general decoder accepts, and then the same model.
        if (fast !== undefined) {
          if (!expected.ok) throw new Error(`the scanner accepted a body the general decoder refuses: ${String(expected.error)}`);
          expect(fast).toEqual(expected.value);
        }
        let actual: { ok: true; value: unknown } | { ok: false; error: unknown };
        try {
          actual = { ok: true, value: decodeMetricsJson(bytes) };
        } catch (error) {
          actual = { ok: false, error };
        }
        expect(actual.ok).toBe(expected.ok);
        if (actual.ok && expected.ok) expect(actual.value).toEqual(expected.value);
        if (!actual.ok && !expected.ok) {
          expect(isOtlpDecodeError(actual.error)).toBe(isOtlpDecodeError(expected.error));
          expect((actual.error as Error).message).toBe((expected.error as Error).message);
        }
      }),
      { numRuns: fuzzRuns(1500) },
    );
  });

  it('gives the same outcome as the general decoder when a field has the wrong type', { timeout: fuzzTimeoutMs(60_000) }, () => {
    // Replaces one value of a valid request by arbitrary JSON: most such requests are refused.
    const replaced = fc.tuple(request, anyJson, fc.integer({ min: 0, max: 1 << 30 }), fc.integer()).map(([j, value, which, seed]) => {
      const slots: Array<(v: J) => void> = [];
      const walk = (x: J): void => {
        if (x.t === 'obj') x.members.forEach((m) => {
          slots.push((v) => {
            m[1] = v;
          });
          walk(m[1]);
        });
        else if (x.t === 'arr') x.items.forEach((item, i) => {
          slots.push((v) => {
            x.items[i] = v;
          });
          walk(item);
        });
      };
      const copy = JSON.parse(JSON.stringify(j)) as J;
      walk(copy);
      if (slots.length > 0) slots[which % slots.length]!(value);
      return write(copy, seed, 1);
    });
    fc.assert(
      fc.property(replaced, (body) => {
        const expected = general(body);
        const fast = scanMetricsJson(Buffer.from(body, 'utf8'));
        if (fast !== undefined) {
          if (!expected.ok) throw new Error(`the scanner accepted a body the general decoder refuses: ${String(expected.error)}`);
          expect(fast).toEqual(expected.value);
        }
        if (expected.ok) expect(decodeMetricsJson(body)).toEqual(expected.value);
        else expect(() => decodeMetricsJson(body)).toThrow((expected.error as Error).message);
      }),
      { numRuns: fuzzRuns(1500) },
    );
  });
});
