import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogQLEngine, type LogSource } from '@vigil/query-language';
import { Database, LogStore, objectToLabels } from '@vigil/storage';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRuns, fuzzTimeoutMs } from './testing/fuzz-kit.js';

/**
 * The drop hints (`| json | __error__="" | status >= 500` leaves out, in DuckDB, lines it can
 * tell from the text will be dropped; `| json | level="error"` skips streams whose own `level`
 * fails) must never change an answer: every query is evaluated twice
 * over the same stored lines, once through the store as the server uses it and once through a
 * source that strips the hint, and the answers must be identical. Lines are generated to hit the
 * rules' edges: duplicate keys, `\u` escapes, keys that trim or flatten to `status`, the key inside
 * strings, integers of every width, floats, strings, nested objects, trailing garbage, non-objects,
 * and structured metadata or stream labels named `status` or `level`.
 */

const keyArb = fc.constantFrom('status', 'Status', ' status', 'status ', 'st\\u0061tus', 'sta tus', 'status_code', 'a', 'x', 'statusstatus');
const ws = fc.constantFrom('', '', ' ', '  ', '\t', '\n ', '\r\n');
const valueArb: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.constantFrom('499', '500', '501', '503', '200', '0', '-0', '007', '1e3', '5e2', '500.0', '499.5', '1234567890123456', '99999999999999999999'),
  fc.constantFrom('"503"', '"200"', '"abc"', '" 600"', 'null', 'true', '[500]', '{"status":900}', '{"code":700}', '"x\\"status\\":200"'),
);
const memberArb = fc.tuple(keyArb, ws, ws, valueArb).map(([k, a, b, v]) => `"${k}"${a}:${b}${v}`);
const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('{"level":"error"}', '{"level":"info","status":503}', 'level=error status=503', 'level=info') },
  { weight: 6, arbitrary: fc.tuple(ws, fc.array(fc.tuple(memberArb, ws), { maxLength: 4 }), ws).map(([a, ms, b]) => `${a}{${ms.map(([m, w]) => `${w}${m}`).join(',')}}${b}`) },
  { weight: 1, arbitrary: fc.tuple(memberArb, fc.constantFrom(' garbage', ',', '}', ' {"status":900}')).map(([m, g]) => `{${m}}${g}`) },
  { weight: 1, arbitrary: fc.constantFrom('GET /status 503', 'status=503', '[{"status":503}]', '', '{', ' \t{"status":700}', 'x{"status":700}', '"status":700') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{"status":200,}', '{"status":200 "x":1}', '{"status":007}', '{"status":200,"a":"\\x"}', '{"status":200,"a":[1,}', '{"status":200}}', '[{"status":100}]', ' [{"status":100}]', '\n{"status":100}\r\n', '{"status":200,"a":"\u0001"}'),
  },
);
const entryArb = fc.record({
  line: lineArb,
  metadata: fc.constantFrom<Record<string, string> | undefined>(undefined, undefined, undefined, { status: '900' }, { other: 'status' }, { status: '100' }, { level: 'error' }, { level: 'info' }),
});
const queries = [
  '{app="a"} | json | __error__="" | status >= 500',
  '{app="a"} | json | __error__="" | status < 500',
  '{app="a"} | json | __error__="" | status == 503',
  '{app="a"} | json | __error__="" | status != 200',
  '{app="a"} | json | __error__="" | status > -1',
  '{app="a"} | json | __error__="" | status <= 0',
  '{app="a"} | json | level!="x" | __error__="" | app="a" | Status > 100',
  '{app="a"} | json | __error__=""',
  '{app="a"} | json | status >= 500',
  '{app="a"} |= "status" | json | __error__="" | status >= 500 | line_format "{{.status}}"',
  '{app="a"} | json | __error__="" | status >= 500 | x > 1',
  '{app="a"} | json | level!="x" | status < 500',
  '{app="a"} | json | status == 200',
  '{app="a"} | json | level="error"',
  '{app="a"} | logfmt | level=~"err.*" and app="a"',
  '{app="a"} | json | level!="info" or status > 1',
  '{app="a"} | label_format level="error" | level="error"',
  '{app="a"} | json | drop level | level=""',
  '{app="a"} | level_extracted="error"',
];

let dir: string;
let db: Database;
let store: LogStore;
let tenantSeq = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-json-drop-'));
  db = await Database.open({ dataDir: dir });
  store = await LogStore.open(db);
});

afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the JSON and stream drop hints', () => {
  it(
    'never changes the answer of a log or metric query',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(entryArb, { minLength: 1, maxLength: 30 }), fc.boolean(), fc.constantFrom(undefined, 'error', 'info'), fc.constantFrom(...queries), async (entries, statusLabel, level, query) => {
          const tenant = `t${tenantSeq++}`;
          const startNs = 1_700_000_000_000_000_000n;
          const labels = objectToLabels({ app: 'a', ...(statusLabel ? { status: '700' } : {}), ...(level ? { level } : {}) });
          await store.append(tenant, [
            {
              labels,
              entries: entries.map((e, i) => ({ tsNs: startNs + BigInt(i) * 1_000_000n, line: e.line, ...(e.metadata ? { metadata: e.metadata } : {}) })),
            },
          ]);
          const source = store.logSource(tenant);
          const withoutHint: LogSource = {
            selectLogs: ({ jsonDrop: _drop, streamDrop: _streams, ...rest }) => source.selectLogs(rest),
          };
          const endNs = startNs + 1_000_000_000n;
          const range = { startNs, endNs, limit: 1000, direction: 'forward' as const };
          const hinted = await createLogQLEngine(source).query(query, range);
          const plain = await createLogQLEngine(withoutHint).query(query, range);
          expect(hinted).toEqual(plain);
          const metric = `sum by (status) (count_over_time(${query} [1s]))`;
          const at = { startNs: endNs, endNs };
          expect(await createLogQLEngine(source).query(metric, at)).toEqual(await createLogQLEngine(withoutHint).query(metric, at));
        }),
        { numRuns: fuzzRuns(150) },
      );
    },
    fuzzTimeoutMs(60_000),
  );

  it('leaves out the lines it describes', async () => {
    // The property above would also hold if the hint did nothing: check that it does.
    const tenant = 'drop-check';
    const startNs = 1_700_000_000_000_000_000n;
    const lines = ['GET /x 503', '{"status":200}', '{"status":503}', '{"status":"503"}', '{"level":"info"}', '{"status":200,"status":503}'];
    await store.append(tenant, [{ labels: objectToLabels({ app: 'a' }), entries: lines.map((line, i) => ({ tsNs: startNs + BigInt(i), line })) }]);
    const { entries } = await store.read(tenant, {
      matchers: [{ name: 'app', op: '=', value: 'a' }],
      startNs,
      endNs: startNs + 1000n,
      direction: 'forward',
      limit: 0,
      jsonDrop: { nonObject: true, numeric: [{ key: 'status', op: '>=', value: 500 }] },
    });
    expect(entries.map((e) => e.line)).toEqual(['{"status":503}', '{"status":"503"}', '{"status":200,"status":503}']);
  });
});
