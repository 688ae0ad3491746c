import { formatPromValue } from '../engine/format-value.js';
import { createEngine, type EngineOptions, type QueryResult } from '../engine/engine.js';
import { formatLabels, labelsKey } from '../engine/labels.js';
import type { Labels } from '../types.js';
import { createMemorySource } from './memory-source.js';
import { parseScript, type ScriptCommand, type SequenceValue } from './promql-script.js';

/** Relative tolerance of value comparisons, as promqltest's default epsilon. */
const EPSILON = 1e-6;

/** True when two sample values agree: both NaN, equal, or within the relative tolerance. */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < Number.MIN_VALUE) return diff < EPSILON * Number.MIN_VALUE;
  return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

/** One `eval` of a script, ready to run: a name for the test and a function that throws on mismatch. */
export interface ScriptCase {
  name: string;
  line: number;
  run(): Promise<void>;
}

function describeSeries(labels: Labels, values: string[]): string {
  return `${formatLabels(labels)} ${values.join(' ')}`;
}

function formatSequence(values: SequenceValue[]): string[] {
  return values.map((v) => (v.kind === 'value' ? formatPromValue(v.value) : v.kind === 'omitted' ? '_' : 'stale'));
}

function checkAnnotations(kind: 'warning' | 'info', expected: boolean | string | undefined, actual: string[]): void {
  if (expected === undefined) return;
  if (expected === false && actual.length > 0) throw new Error(`expected no ${kind}, got ${JSON.stringify(actual)}`);
  if (expected === true && actual.length === 0) throw new Error(`expected a ${kind}, got none`);
  if (typeof expected === 'string' && !actual.some((a) => a.includes(expected))) {
    throw new Error(`expected a ${kind} containing ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function check(cmd: Extract<ScriptCommand, { kind: 'eval' }>, result: QueryResult): void {
  checkAnnotations('warning', cmd.expectWarn, result.warnings);
  checkAnnotations('info', cmd.expectInfo, result.infos);
  const problems: string[] = [];
  if (result.resultType === 'scalar') {
    const exp = cmd.expected[0];
    if (cmd.expected.length !== 1 || !exp || !('scalar' in exp)) {
      throw new Error(`got scalar ${formatPromValue(result.result.value)}, expected ${cmd.expected.length} series lines`);
    }
    if (!almostEqual(exp.scalar, result.result.value)) {
      throw new Error(`expected scalar ${formatPromValue(exp.scalar)}, got ${formatPromValue(result.result.value)}`);
    }
    return;
  }
  if (result.resultType === 'string') {
    const exp = cmd.expected[0];
    if (!exp || !('string' in exp) || exp.string !== result.result.value) {
      throw new Error(`expected ${JSON.stringify(exp)}, got string ${JSON.stringify(result.result.value)}`);
    }
    return;
  }
  const expected = cmd.expected.filter((e): e is Extract<typeof e, { labels: Labels }> => 'labels' in e);
  if (expected.length !== cmd.expected.length) throw new Error(`expected a scalar or string, got ${result.resultType}`);
  const actual = new Map<string, { labels: Labels; values: Array<number | undefined> }>();
  const order: string[] = [];
  if (result.resultType === 'vector') {
    for (const s of result.result) {
      const key = labelsKey(s.labels);
      order.push(key);
      actual.set(key, { labels: s.labels, values: [s.value] });
    }
  } else if (cmd.timing.type === 'range') {
    const { startMs, stepMs } = cmd.timing;
    for (const s of result.result) {
      const values: Array<number | undefined> = [];
      s.timestampsMs.forEach((t, i) => {
        values[Math.round((t - startMs) / stepMs)] = s.values[i];
      });
      actual.set(labelsKey(s.labels), { labels: s.labels, values });
    }
  } else {
    for (const s of result.result) actual.set(labelsKey(s.labels), { labels: s.labels, values: s.values });
  }
  const seen = new Set<string>();
  expected.forEach((exp, index) => {
    const key = labelsKey(exp.labels);
    seen.add(key);
    const got = actual.get(key);
    const want = formatSequence(exp.values);
    if (!got) {
      problems.push(`missing ${describeSeries(exp.labels, want)}`);
      return;
    }
    const length = Math.max(exp.values.length, got.values.length);
    let same = true;
    for (let i = 0; i < length; i++) {
      const e = exp.values[i];
      const g = got.values[i];
      if (e?.kind !== 'value') {
        if (g !== undefined) same = false;
      } else if (g === undefined || !almostEqual(e.value, g)) same = false;
    }
    if (!same) {
      const gotText = Array.from(got.values, (v) => (v === undefined ? '_' : formatPromValue(v)));
      problems.push(`${formatLabels(exp.labels)}: expected ${want.join(' ')}, got ${gotText.join(' ')}`);
    }
    if (cmd.ordered && order[index] !== key) problems.push(`${formatLabels(exp.labels)} is not at position ${index}`);
  });
  for (const [key, got] of actual) {
    if (!seen.has(key)) {
      problems.push(`unexpected ${describeSeries(got.labels, Array.from(got.values, (v) => (v === undefined ? '_' : formatPromValue(v))))}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

/**
 * Turns a promqltest-style script into runnable cases, each over its own in-memory source holding
 * the data loaded (since the last `clear`) before it.
 */
export function scriptCases(text: string, options: EngineOptions = {}): ScriptCase[] {
  const cases: ScriptCase[] = [];
  let loads: Array<Extract<ScriptCommand, { kind: 'load' }>> = [];
  for (const cmd of parseScript(text)) {
    if (cmd.kind === 'clear') {
      loads = [];
      continue;
    }
    if (cmd.kind === 'load') {
      loads = [...loads, cmd];
      continue;
    }
    const data = loads;
    const timing = cmd.timing.type === 'instant' ? `instant at ${cmd.timing.timeMs / 1000}s` : 'range';
    cases.push({
      name: `line ${cmd.line}: eval ${timing} ${cmd.query}`,
      line: cmd.line,
      async run() {
        // Every case loads its own copy of the data, so cases can run alone or in any order.
        const source = createMemorySource();
        for (const load of data) {
          for (const s of load.series) {
            s.values.forEach((v, i) => {
              const t = i * load.intervalMs;
              if (v.kind === 'value') source.add(s.labels, t, v.value);
              else if (v.kind === 'stale') source.add(s.labels, t, Number.NaN, true);
            });
          }
        }
        const engine = createEngine(source, options);
        let result: QueryResult;
        try {
          result =
            cmd.timing.type === 'instant'
              ? await engine.instantQuery(cmd.query, cmd.timing.timeMs)
              : await engine.rangeQuery(cmd.query, cmd.timing);
        } catch (err) {
          if (!cmd.fail) throw err;
          const message = err instanceof Error ? err.message : String(err);
          if (cmd.fail.message !== undefined && !message.includes(cmd.fail.message)) {
            throw new Error(`expected failure ${JSON.stringify(cmd.fail.message)}, got ${JSON.stringify(message)}`);
          }
          if (cmd.fail.regexp !== undefined && !new RegExp(cmd.fail.regexp).test(message)) {
            throw new Error(`expected failure matching /${cmd.fail.regexp}/, got ${JSON.stringify(message)}`);
          }
          return;
        }
        if (cmd.fail) throw new Error(`expected the query to fail, got ${result.resultType}`);
        check(cmd, result);
      },
    });
  }
  return cases;
}
