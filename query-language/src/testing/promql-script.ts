import type { Expr } from '../ast/ast.js';
import { parseDurationMs } from '../ast/literals.js';
import { parseQuery } from '../parse.js';
import type { Labels } from '../types.js';

/** One value in a series description: a number, a gap (`_`) or a stale marker. */
export type SequenceValue = { kind: 'value'; value: number } | { kind: 'omitted' } | { kind: 'stale' };

/** A series line of a `load` block or of an expected result. */
export interface SeriesLine {
  labels: Labels;
  values: SequenceValue[];
  line: number;
}

/** One command of a promqltest-style script. */
export type ScriptCommand =
  | { kind: 'load'; intervalMs: number; series: SeriesLine[]; line: number }
  | { kind: 'clear'; line: number }
  | {
      kind: 'eval';
      line: number;
      query: string;
      /** Instant evaluation time, or the range grid. */
      timing: { type: 'instant'; timeMs: number } | { type: 'range'; startMs: number; endMs: number; stepMs: number };
      ordered: boolean;
      /** Expected failure (`eval_fail`, or `expect fail`), optionally with the message or a regexp. */
      fail: false | { message?: string; regexp?: string };
      /**
       * Expected annotations: true = at least one, false = none, a string = one containing it;
       * absent = not checked.
       */
      expectWarn?: boolean | string;
      expectInfo?: boolean | string;
      /** Expected result lines; a scalar result is one line with empty labels and one value. */
      expected: Array<SeriesLine | { scalar: number; line: number } | { string: string; line: number }>;
    };

const NUMBER = String.raw`[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[Ii]nf|NaN)`;
const EXPANDING = new RegExp(`^(${NUMBER})([-+])(${NUMBER})x(\\d+)$`);
const REPEAT = new RegExp(`^(${NUMBER})x(\\d+)$`);
const PLAIN = new RegExp(`^${NUMBER}$`);

function parseNumber(text: string): number {
  const t = text.replace(/^\+/, '');
  if (/^-?inf$/i.test(t)) return t.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (t === 'NaN') return Number.NaN;
  return Number(t);
}

/**
 * Expands a values notation: `1 2 _ stale`, `0+10x5` (6 values: 0, 10, ..., 50), `10-2x3`,
 * `5x2` (three 5s), `_x3` (three gaps), `Inf`, `NaN`.
 */
export function parseSequence(text: string): SequenceValue[] {
  const out: SequenceValue[] = [];
  for (const token of text.trim().split(/\s+/)) {
    if (token === '') continue;
    if (token === '_') {
      out.push({ kind: 'omitted' });
      continue;
    }
    if (token === 'stale') {
      out.push({ kind: 'stale' });
      continue;
    }
    let m = /^_x(\d+)$/.exec(token);
    if (m) {
      for (let i = 0; i < Number(m[1]); i++) out.push({ kind: 'omitted' });
      continue;
    }
    m = EXPANDING.exec(token);
    if (m) {
      const start = parseNumber(m[1]!);
      const step = parseNumber(m[3]!) * (m[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(m[4]); i++) out.push({ kind: 'value', value: start + i * step });
      continue;
    }
    m = REPEAT.exec(token);
    if (m) {
      for (let i = 0; i <= Number(m[2]); i++) out.push({ kind: 'value', value: parseNumber(m[1]!) });
      continue;
    }
    if (PLAIN.test(token)) {
      out.push({ kind: 'value', value: parseNumber(token) });
      continue;
    }
    throw new Error(`bad value in series: ${JSON.stringify(token)}`);
  }
  return out;
}

/** Splits `metric{a="b"} 1 2 3` into the selector text and the values text. */
function splitSeriesLine(text: string): [string, string] {
  let inQuote: string | null = null;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inQuote) {
      if (ch === '\\') i++;
      else if (ch === inQuote) inQuote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') inQuote = ch;
    else if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return [text.slice(0, i + 1), text.slice(i + 1)];
    } else if (/\s/.test(ch) && depth === 0) return [text.slice(0, i), text.slice(i)];
  }
  return [text, ''];
}

/** Parses a series description (`metric{a="b"}`, `{a="b"}`) into labels. */
export function parseSeriesLabels(text: string): Labels {
  if (text === '{}') return {};
  const { expr, errors } = parseQuery(text);
  const selector = expr as Expr | null;
  // A description may name no non-empty matcher (`{}`), which the checker rejects; the
  // selector is still built.
  if (selector?.type !== 'VectorSelector' || errors.some((e) => !e.detail.includes('non-empty matcher'))) {
    throw new Error(`bad series description ${JSON.stringify(text)}: ${errors[0]?.message ?? 'not a selector'}`);
  }
  const labels: Labels = {};
  for (const m of selector.matchers) {
    if (m.op !== '=') throw new Error(`series descriptions only use "=": ${text}`);
    labels[m.name] = m.value;
  }
  return labels;
}

function duration(text: string): number {
  const parsed = parseDurationMs(text);
  if ('ms' in parsed) return parsed.ms;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return seconds * 1000;
  throw new Error(`bad duration ${JSON.stringify(text)}`);
}

const EVAL_INSTANT = /^eval(_fail|_ordered|_warn|_info)?\s+instant\s+at\s+(\S+)\s+(.+)$/;
const EVAL_RANGE = /^eval(_fail|_ordered|_warn|_info)?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/;

/**
 * Parses a promqltest-style script: `load <interval>` blocks of series, `clear`, and `eval`
 * commands (`eval instant at <t> <expr>`, `eval range from <t> to <t> step <d> <expr>`,
 * `eval_fail`, `eval_ordered`, `eval_warn`, `eval_info`) followed by indented expected lines,
 * `expect fail`, `expected_fail_message <text>`, `expected_fail_regexp <re>`, `expect warn`,
 * `expect no_warn`, `expect info msg: <text>`, .... `#` starts a comment line.
 */
export function parseScript(text: string): ScriptCommand[] {
  const lines = text.split('\n');
  const commands: ScriptCommand[] = [];
  let i = 0;
  const indented = (): Array<{ text: string; line: number }> => {
    const block: Array<{ text: string; line: number }> = [];
    while (i < lines.length) {
      const raw = lines[i]!;
      if (raw.trim() === '' || !/^\s/.test(raw)) break;
      if (!raw.trim().startsWith('#')) block.push({ text: raw.trim(), line: i + 1 });
      i++;
    }
    return block;
  };
  while (i < lines.length) {
    const raw = lines[i]!;
    const line = raw.trim();
    const lineNumber = i + 1;
    i++;
    if (line === '' || line.startsWith('#')) continue;
    if (line === 'clear') {
      commands.push({ kind: 'clear', line: lineNumber });
      continue;
    }
    const load = /^load\s+(\S+)$/.exec(line);
    if (load) {
      const series = indented().map(({ text: t, line: l }) => {
        const [desc, values] = splitSeriesLine(t);
        return { labels: parseSeriesLabels(desc), values: parseSequence(values), line: l };
      });
      commands.push({ kind: 'load', intervalMs: duration(load[1]!), series, line: lineNumber });
      continue;
    }
    const instant = EVAL_INSTANT.exec(line);
    const range = instant ? null : EVAL_RANGE.exec(line);
    if (!instant && !range) throw new Error(`line ${lineNumber}: unknown command ${JSON.stringify(line)}`);
    const variant = (instant ?? range)![1];
    const query = instant ? instant[3]! : range![5]!;
    const timing = instant
      ? { type: 'instant' as const, timeMs: duration(instant[2]!) }
      : { type: 'range' as const, startMs: duration(range![2]!), endMs: duration(range![3]!), stepMs: duration(range![4]!) };
    let fail: false | { message?: string; regexp?: string } = variant === '_fail' ? {} : false;
    let expectWarn: boolean | string | undefined = variant === '_warn' ? true : undefined;
    let expectInfo: boolean | string | undefined = variant === '_info' ? true : undefined;
    const expected: Array<SeriesLine | { scalar: number; line: number } | { string: string; line: number }> = [];
    for (const { text: t, line: l } of indented()) {
      if (t === 'expect fail') {
        fail = fail || {};
        continue;
      }
      const annotation = /^expect (no_)?(warn|info)(?: msg:\s*(.*))?$/.exec(t);
      if (annotation) {
        const value = annotation[1] ? false : (annotation[3] ?? true);
        if (annotation[2] === 'warn') expectWarn = value;
        else expectInfo = value;
        continue;
      }
      const message = /^expected_fail_message\s+(.*)$/.exec(t) ?? /^expect fail msg:\s*(.*)$/.exec(t);
      if (message) {
        fail = { message: message[1]! };
        continue;
      }
      const regexp = /^expected_fail_regexp\s+(.*)$/.exec(t) ?? /^expect fail regex:\s*(.*)$/.exec(t);
      if (regexp) {
        fail = { regexp: regexp[1]! };
        continue;
      }
      if (/^["'`]/.test(t)) {
        expected.push({ string: JSON.parse(t.startsWith('"') ? t : JSON.stringify(t.slice(1, -1))) as string, line: l });
        continue;
      }
      if (PLAIN.test(t)) {
        expected.push({ scalar: parseNumber(t), line: l });
        continue;
      }
      const [desc, values] = splitSeriesLine(t);
      expected.push({ labels: parseSeriesLabels(desc), values: parseSequence(values), line: l });
    }
    commands.push({
      kind: 'eval',
      line: lineNumber,
      query,
      timing,
      ordered: variant === '_ordered',
      fail,
      expected,
      ...(expectWarn === undefined ? {} : { expectWarn }),
      ...(expectInfo === undefined ? {} : { expectInfo }),
    });
  }
  return commands;
}
