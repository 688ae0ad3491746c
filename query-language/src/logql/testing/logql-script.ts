import { unquoteString } from '../../ast/literals.js';
import { formatPromValue } from '../../engine/format-value.js';
import { formatLabels } from '../../engine/labels.js';
import { parseSequence, parseSeriesLabels, type SequenceValue } from '../../testing/promql-script.js';
import { almostEqual } from '../../testing/run-script.js';
import type { Labels, LogDirection } from '../../types.js';
import { parseGoDurationSeconds } from '../ast/units.js';
import { createLogQLEngine, type LogQLResult } from '../engine/engine.js';
import { createMemoryLogSource, type MemoryLogSourceOptions } from './memory-log-source.js';

/** One `eval` of a LogQL script, ready to run: a test name and a function that throws on mismatch. */
export interface LogqlScriptCase {
  name: string;
  line: number;
  run(): Promise<void>;
}

interface Entry {
  labels: Labels;
  tsNs: bigint;
  line: string;
  metadata?: Record<string, string>;
}

type Expected =
  | { kind: 'stream'; labels: Labels; entries: Array<{ tsNs: bigint; line: string }>; at: number }
  | { kind: 'series'; labels: Labels; values: SequenceValue[]; at: number }
  | { kind: 'scalar'; value: number; at: number };

interface EvalCommand {
  line: number;
  query: string;
  mode: 'logs' | 'instant' | 'range';
  startNs: bigint;
  endNs: bigint;
  stepMs: number;
  direction: LogDirection;
  limit: number;
  fail: false | { message?: string; regexp?: string };
  warn?: string;
  /** `eval_ordered`: the vector's order is part of the answer (sort, topk). */
  ordered: boolean;
  expected: Expected[];
  entries: Entry[];
}

function time(text: string, at: number): bigint {
  if (/^\d+ns$/.test(text)) return BigInt(text.slice(0, -2));
  const seconds = text === '0' ? 0 : parseGoDurationSeconds(text);
  if (seconds === undefined) throw new Error(`line ${at}: bad time ${JSON.stringify(text)}`);
  return BigInt(Math.round(seconds * 1e9));
}

function formatTime(ns: bigint): string {
  return ns % 1_000_000_000n === 0n ? `${ns / 1_000_000_000n}s` : `${ns}ns`;
}

/** Splits `<time> [@{metadata}] <line>`; a line in double quotes is unquoted with Go escapes. */
function parseEntry(text: string, at: number): { tsNs: bigint; line: string; metadata?: Record<string, string> } {
  const m = /^(\S+) ?(.*)$/.exec(text);
  if (!m) throw new Error(`line ${at}: bad entry ${JSON.stringify(text)}`);
  const tsNs = time(m[1]!, at);
  let rest = m[2]!;
  let metadata: Record<string, string> | undefined;
  if (rest.startsWith('@{')) {
    const close = rest.indexOf('}');
    metadata = parseSeriesLabels(rest.slice(1, close + 1));
    rest = rest.slice(close + 1).replace(/^ /, '');
  }
  if (rest.length >= 2 && rest.startsWith('"') && rest.endsWith('"')) {
    const unquoted = unquoteString(rest);
    if ('error' in unquoted) throw new Error(`line ${at}: ${unquoted.error}`);
    rest = unquoted.value;
  }
  return metadata ? { tsNs, line: rest, metadata } : { tsNs, line: rest };
}

const EVAL =
  /^eval(_fail|_ordered)?\s+(?:(logs)\s+from\s+(\S+)\s+to\s+(\S+)((?:\s+(?:direction\s+\S+|limit\s+\d+))*)|(instant)\s+at\s+(\S+)|(range)\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+))\s+(.+)$/;

/**
 * Parses a LogQL data script:
 *
 * ```
 * stream {app="web", host="a"}          # entries follow, indented: <time> [@{metadata}] <line>
 *   1s GET /a 200
 *   2s @{trace_id="t1"} "quoted \x1b[31mline"
 * clear                                  # forget every stream
 * eval logs from 0s to 10s [direction forward] [limit 5] <log query>
 *   {app="web", host="a"}                # expected streams, entries indented below them
 *     1s GET /a 200
 * eval instant at 10s <metric query>
 *   {host="a"} 3                         # expected samples (or a bare number for a scalar)
 * eval range from 0s to 20s step 10s <metric query>
 *   {host="a"} 1 _ 3                     # one value per step, _ for none
 * eval_ordered instant at 1s <query>     # the order of the expected samples matters
 * eval_fail instant at 1s <query>
 *   expected_fail_message <text>         # or expected_fail_regexp <re>
 * ```
 * Inside an eval, `expect warn <substring>` requires a warning. Times are Go durations since the
 * epoch (or `<n>ns`); logs are read in `[from, to)`, backward with limit 100 unless told.
 */
export function logqlScriptCases(text: string, options: MemoryLogSourceOptions = {}): LogqlScriptCase[] {
  const lines = text.split('\n');
  const entries: Entry[] = [];
  const evals: EvalCommand[] = [];
  let stream: Labels | null = null;
  let current: EvalCommand | null = null;
  let currentStream: Extract<Expected, { kind: 'stream' }> | null = null;
  lines.forEach((raw, index) => {
    const at = index + 1;
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('# ') || line.trim() === '#') return;
    const indented = /^\s/.test(line);
    if (!indented) {
      stream = null;
      current = null;
      currentStream = null;
      const body = line.trim();
      if (body === 'clear') {
        entries.length = 0;
        return;
      }
      const s = /^stream\s+(\{.*\})$/.exec(body);
      if (s) {
        stream = parseSeriesLabels(s[1]!);
        return;
      }
      const m = EVAL.exec(body);
      if (!m) throw new Error(`line ${at}: unknown command ${JSON.stringify(body)}`);
      const options = m[5] ?? '';
      const cmd: EvalCommand = {
        line: at,
        query: m[12]!,
        mode: m[2] ? 'logs' : m[6] ? 'instant' : 'range',
        startNs: 0n,
        endNs: 0n,
        stepMs: 0,
        direction: /direction\s+forward/.test(options) ? 'forward' : 'backward',
        limit: Number(/limit\s+(\d+)/.exec(options)?.[1] ?? 100),
        fail: m[1] === '_fail' ? {} : false,
        ordered: m[1] === '_ordered',
        expected: [],
        entries: [...entries],
      };
      if (m[2]) {
        cmd.startNs = time(m[3]!, at);
        cmd.endNs = time(m[4]!, at);
      } else if (m[6]) {
        cmd.startNs = time(m[7]!, at);
        cmd.endNs = cmd.startNs;
      } else {
        cmd.startNs = time(m[9]!, at);
        cmd.endNs = time(m[10]!, at);
        cmd.stepMs = Number(time(m[11]!, at) / 1_000_000n);
      }
      evals.push(cmd);
      current = cmd;
      return;
    }
    const body = line.trim();
    if (stream) {
      entries.push({ labels: stream, ...parseEntry(body, at) });
      return;
    }
    const cmd = current as EvalCommand | null;
    if (!cmd) throw new Error(`line ${at}: indented line outside a stream or eval`);
    if (body.startsWith('expected_fail_message ')) {
      cmd.fail = { message: body.slice('expected_fail_message '.length) };
      return;
    }
    if (body.startsWith('expected_fail_regexp ')) {
      cmd.fail = { regexp: body.slice('expected_fail_regexp '.length) };
      return;
    }
    if (body.startsWith('expect warn')) {
      cmd.warn = body.slice('expect warn'.length).trim();
      return;
    }
    if (cmd.mode === 'logs') {
      const cs = currentStream as Extract<Expected, { kind: 'stream' }> | null;
      if (body.startsWith('{') && /^\s{2}\S/.test(line)) {
        currentStream = { kind: 'stream', labels: parseSeriesLabels(body), entries: [], at };
        cmd.expected.push(currentStream);
        return;
      }
      if (!cs) throw new Error(`line ${at}: entry before a stream`);
      const e = parseEntry(body, at);
      cs.entries.push({ tsNs: e.tsNs, line: e.line });
      return;
    }
    if (/^[-+]?(?:\d|\.\d|Inf|NaN)/.test(body)) {
      cmd.expected.push({ kind: 'scalar', value: parseSequence(body)[0]?.kind === 'value' ? (parseSequence(body)[0] as { value: number }).value : Number.NaN, at });
      return;
    }
    const close = body.indexOf('}');
    cmd.expected.push({ kind: 'series', labels: parseSeriesLabels(body.slice(0, close + 1)), values: parseSequence(body.slice(close + 1)), at });
  });
  return evals.map((cmd) => ({
    name: `line ${cmd.line}: ${cmd.mode === 'logs' ? 'logs' : cmd.mode} ${cmd.query}`,
    line: cmd.line,
    run: () => runEval(cmd, options),
  }));
}

async function runEval(cmd: EvalCommand, options: MemoryLogSourceOptions): Promise<void> {
  const source = createMemoryLogSource(options);
  for (const e of cmd.entries) source.add(e.labels, e.tsNs, e.line, e.metadata);
  const engine = createLogQLEngine(source);
  let result: LogQLResult;
  try {
    result = await engine.query(cmd.query, {
      startNs: cmd.startNs,
      endNs: cmd.endNs,
      direction: cmd.direction,
      limit: cmd.limit,
      ...(cmd.mode === 'range' ? { stepMs: cmd.stepMs } : {}),
    });
  } catch (err) {
    if (!cmd.fail) throw err;
    const message = (err as Error).message;
    if (cmd.fail.message !== undefined && message !== cmd.fail.message) {
      throw new Error(`expected error ${JSON.stringify(cmd.fail.message)}, got ${JSON.stringify(message)}`);
    }
    if (cmd.fail.regexp !== undefined && !new RegExp(cmd.fail.regexp).test(message)) {
      throw new Error(`expected error matching /${cmd.fail.regexp}/, got ${JSON.stringify(message)}`);
    }
    return;
  }
  if (cmd.fail) throw new Error(`expected the query to fail, got ${result.resultType}`);
  if (cmd.warn !== undefined && !result.warnings.some((w) => w.includes(cmd.warn!))) {
    throw new Error(`expected a warning containing ${JSON.stringify(cmd.warn)}, got ${JSON.stringify(result.warnings)}`);
  }
  if (cmd.warn === undefined && result.warnings.length > 0) throw new Error(`unexpected warnings ${JSON.stringify(result.warnings)}`);
  const actual = describe(result, cmd);
  const expected = cmd.expected.map((e) => describeExpected(e, cmd));
  // Streams, vectors and matrices are compared as sets (entries within a stream keep their order).
  if (result.resultType === 'streams' || result.resultType === 'matrix' || (result.resultType === 'vector' && !cmd.ordered)) {
    actual.sort();
    expected.sort();
  }
  const a = actual.join('\n');
  const b = expected.join('\n');
  if (!sameText(a, b)) throw new Error(`result mismatch\nexpected:\n${b || '(nothing)'}\ngot:\n${a || '(nothing)'}`);
}

/** Compares rendered results, numbers within promqltest's tolerance. */
function sameText(a: string, b: string): boolean {
  if (a === b) return true;
  const ta = a.split(/(\s+)/);
  const tb = b.split(/(\s+)/);
  if (ta.length !== tb.length) return false;
  return ta.every((x, i) => {
    const y = tb[i]!;
    if (x === y) return true;
    const nx = Number(x);
    const ny = Number(y);
    return !Number.isNaN(nx) && !Number.isNaN(ny) && almostEqual(nx, ny);
  });
}

function describeExpected(e: Expected, cmd: EvalCommand): string {
  switch (e.kind) {
    case 'stream':
      return [formatLabels(e.labels), ...e.entries.map((x) => `  ${formatTime(x.tsNs)} ${JSON.stringify(x.line)}`)].join('\n');
    case 'scalar':
      return formatPromValue(e.value);
    case 'series': {
      const values = e.values.map((v) => (v.kind === 'value' ? formatPromValue(v.value) : '_'));
      if (cmd.mode === 'range') while (values.at(-1) === '_') values.pop();
      return `${formatLabels(e.labels)} ${values.join(' ')}`;
    }
  }
}

function describe(result: LogQLResult, cmd: EvalCommand): string[] {
  switch (result.resultType) {
    case 'streams':
      return result.result.map((s) =>
        [formatLabels(s.labels), ...s.entries.map((x) => `  ${formatTime(x.tsNs)} ${JSON.stringify(x.line)}`)].join('\n'),
      );
    case 'scalar':
      return [formatPromValue(result.result.value)];
    case 'string':
      return [JSON.stringify(result.result.value)];
    case 'vector':
      return result.result.map((s) => `${formatLabels(s.labels)} ${formatPromValue(s.value)}`);
    case 'matrix': {
      const startMs = Number(cmd.startNs / 1_000_000n);
      return result.result.map((s) => {
        const values: string[] = [];
        s.timestampsMs.forEach((t, i) => {
          const slot = Math.round((t - startMs) / cmd.stepMs);
          while (values.length < slot) values.push('_');
          values[slot] = formatPromValue(s.values[i]!);
        });
        return `${formatLabels(s.labels)} ${values.join(' ')}`;
      });
    }
  }
}

