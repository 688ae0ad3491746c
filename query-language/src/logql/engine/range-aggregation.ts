import { assertNever } from '../../ast/ast.js';
import { keepOnly, labelsKey, without } from '../../engine/labels.js';
import { RANGE_FUNCTIONS } from '../../engine/range-functions.js';
import type { CountLogsParams, Labels, LogSource, RawSeries } from '../../types.js';
import type { Grouping, RangeAggregationExpr, UnwrapConversion } from '../ast/ast.js';
import { parseBytes, parseGoDurationSeconds, parseGoFloat } from '../ast/units.js';
import { compileLabelFilter } from '../pipeline/label-filter.js';
import { ERROR_DETAILS_LABEL, ERROR_LABEL, LabelsBuilder, PipelineErrors } from '../pipeline/labels-builder.js';
import { type CompiledPipeline, compilePipeline, sourceHints } from '../pipeline/pipeline.js';
import { guardedRead } from './log-query.js';
import type { Pacer } from './pacer.js';

const NS_PER_MS = 1_000_000n;

/** Samples of one output series, gathered as sorted runs (one per source stream) and merged once. */
interface SampleSeries {
  labels: Labels;
  runs: Array<{ ts: bigint[]; values: number[] }>;
  /** The run of the stream being read (streams are read one after another). */
  current: { ts: bigint[]; values: number[] } | null;
  currentStream: number;
}

/** The result of a range aggregation: series with one sample per step time, and what went wrong on lines. */
export interface RangeAggregationResult {
  series: RawSeries[];
  /** Distinct `__error__` values seen in the result labels (they become query warnings). */
  errors: Set<string>;
}

function convert(conversion: UnwrapConversion, text: string): number | undefined {
  switch (conversion) {
    case 'none':
      return parseGoFloat(text);
    case 'duration':
    case 'duration_seconds':
      return parseGoDurationSeconds(text);
    case 'bytes':
      return parseBytes(text);
    default:
      return assertNever(conversion);
  }
}

/** Applies a range aggregation's `by`/`without` (and the unwrap label's removal) to a label set. */
function groupLabels(labels: Labels, grouping: Grouping | null, unwrapLabel: string | null): Labels {
  // `by` keeps the error labels, so that a failed conversion stays visible in the result.
  if (grouping && !grouping.without) return keepOnly(labels, [...grouping.labels, ERROR_LABEL, ERROR_DETAILS_LABEL]);
  const drop = grouping ? [...grouping.labels] : [];
  if (unwrapLabel !== null) drop.push(unwrapLabel);
  return drop.length > 0 ? without(labels, drop) : labels;
}

function mergeRuns(a: { ts: bigint[]; values: number[] }, b: { ts: bigint[]; values: number[] }): { ts: bigint[]; values: number[] } {
  const ts: bigint[] = new Array(a.ts.length + b.ts.length);
  const values: number[] = new Array(ts.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.ts.length && j < b.ts.length) {
    if (a.ts[i]! <= b.ts[j]!) {
      ts[k] = a.ts[i]!;
      values[k++] = a.values[i++]!;
    } else {
      ts[k] = b.ts[j]!;
      values[k++] = b.values[j++]!;
    }
  }
  while (i < a.ts.length) {
    ts[k] = a.ts[i]!;
    values[k++] = a.values[i++]!;
  }
  while (j < b.ts.length) {
    ts[k] = b.ts[j]!;
    values[k++] = b.values[j++]!;
  }
  return { ts, values };
}

/** Merges sorted runs pairwise (balanced), so n samples in r runs cost O(n log r). */
function mergeAll(runs: Array<{ ts: bigint[]; values: number[] }>): { ts: bigint[]; values: number[] } {
  let level = runs;
  while (level.length > 1) {
    const next: Array<{ ts: bigint[]; values: number[] }> = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? mergeRuns(level[i]!, level[i + 1]!) : level[i]!);
    level = next;
  }
  return level[0] ?? { ts: [], values: [] };
}

function hasKeys(o: object | undefined): boolean {
  if (o === undefined) return false;
  for (const _ in o) return true;
  return false;
}

/**
 * Evaluates a range aggregation at every step time (epoch ms, ascending): reads the log range once
 * for all steps (forward, no limit, `|=` filters pushed down), runs the pipeline and `unwrap` per
 * line into per-series samples, then slides each window `(t - offset - range, t - offset]` over
 * the sorted samples. Streams without a pipeline, grouping or metadata skip the per-line work.
 * Lines whose unwrapped value does not convert are marked `__error__="SampleExtractionErr"`.
 */
export async function evalRangeAggregation(
  node: RangeAggregationExpr,
  source: LogSource,
  stepsMs: Float64Array,
  signal: AbortSignal | undefined,
  pacer: Pacer,
): Promise<RangeAggregationResult> {
  const range = node.range;
  const rangeNs = BigInt(range.rangeMs) * NS_PER_MS;
  const offsetNs = BigInt(range.offsetMs) * NS_PER_MS;
  const ends = Array.from(stepsMs, (t) => BigInt(Math.round(t)) * NS_PER_MS - offsetNs);
  const startNs = ends[0]! - rangeNs + 1n;
  const endNs = ends[ends.length - 1]! + 1n;
  const pipeline = compilePipeline(range.pipeline);
  if (source.countLogs && canCountInSource(node, pipeline)) {
    return countInSource(node, source, pipeline, stepsMs, ends, rangeNs, signal, pacer);
  }
  const streams = await guardedRead(pacer, () =>
    source.selectLogs({
      matchers: range.matchers,
      startNs,
      endNs,
      direction: 'forward',
      limit: 0,
      ...sourceHints(pipeline),
      ...(signal ? { signal } : {}),
    }),
  );
  const op = node.op;
  const unwrap = range.unwrap;
  const bytes = op === 'bytes_over_time' || op === 'bytes_rate';
  const postFilters = unwrap ? unwrap.postFilters.map(compileLabelFilter) : [];
  const grouping = node.grouping;
  const byLabels = grouping && !grouping.without ? grouping.labels : null;

  const series = new Map<string, SampleSeries>();
  const lbs = new LabelsBuilder();
  const add = (key: string, labels: () => Labels, streamIndex: number, ts: bigint, value: number): void => {
    let s = series.get(key);
    if (!s) {
      s = { labels: labels(), runs: [], current: null, currentStream: -1 };
      series.set(key, s);
    }
    if (s.currentStream !== streamIndex || !s.current) {
      s.current = { ts: [], values: [] };
      s.runs.push(s.current);
      s.currentStream = streamIndex;
    }
    s.current.ts.push(ts);
    s.current.values.push(value);
  };

  for (let si = 0; si < streams.length; si++) {
    await pacer.pause();
    const stream = streams[si]!;
    const entries = stream.entries;
    const streamKey = labelsKey(stream.labels);
    const withMetadata = entries.some((e) => hasKeys(e.metadata));
    if (pipeline.empty && !unwrap && !withMetadata) {
      // Fast path: every line of the stream counts, with the stream's own labels.
      const labels = groupLabels(stream.labels, grouping, null);
      const key = labels === stream.labels ? streamKey : labelsKey(labels);
      let s = series.get(key);
      if (!s) {
        s = { labels, runs: [], current: null, currentStream: -1 };
        series.set(key, s);
      }
      const ts: bigint[] = new Array(entries.length);
      const values: number[] = new Array(entries.length);
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        ts[i] = e.tsNs;
        values[i] = bytes ? Buffer.byteLength(e.line, 'utf8') : 1;
      }
      s.runs.push({ ts, values });
      s.current = null;
      continue;
    }
    lbs.setStream(stream.labels, streamKey);
    for (let i = 0; i < entries.length; i++) {
      if (pacer.tick()) await pacer.pause();
      const e = entries[i]!;
      lbs.reset(e.metadata);
      const line = pipeline.run(e.line, e.tsNs, lbs);
      if (line === null) continue;
      let value = 1;
      if (unwrap) {
        const text = lbs.get(unwrap.label);
        const v = text === undefined || text === '' ? undefined : convert(unwrap.conversion, text);
        if (v === undefined) {
          lbs.setError(
            PipelineErrors.sampleExtraction,
            text === undefined || text === '' ? `label ${unwrap.label} does not exist` : `cannot convert ${JSON.stringify(text)} of label ${unwrap.label}`,
          );
          value = 0;
        } else value = v;
        let kept = true;
        for (const f of postFilters) if (!f(lbs)) kept = false;
        if (!kept) continue;
      } else if (bytes) value = Buffer.byteLength(line, 'utf8');
      if (byLabels !== null && !lbs.hasError()) {
        // Grouping by a few labels: build the key from just those values, no full label set.
        let key = '\u0002';
        for (const name of byLabels) key += `${lbs.get(name) ?? ''}\u0001`;
        add(key, () => keepOnly(lbs.labels(), byLabels), si, e.tsNs, value);
        continue;
      }
      if (lbs.isUnchanged() && !grouping && !unwrap) {
        add(streamKey, () => stream.labels, si, e.tsNs, value);
        continue;
      }
      const labels = groupLabels(lbs.labels(), grouping, unwrap ? unwrap.label : null);
      add(labelsKey(labels), () => labels, si, e.tsNs, value);
    }
  }

  const errors = new Set<string>();
  const out: RawSeries[] = [];
  const rangeSeconds = range.rangeMs / 1000;
  const n = ends.length;
  if (op === 'absent_over_time') {
    const present = new Uint8Array(n);
    for (const s of series.values()) {
      const merged = mergeAll(s.runs);
      slide(merged.ts, ends, rangeNs, (i, lo, hi) => {
        if (hi > lo) present[i] = 1;
      });
    }
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!present[i]) {
        timestamps.push(stepsMs[i]!);
        values.push(1);
      }
    }
    if (timestamps.length > 0) out.push({ labels: absentLabels(node), timestamps, values });
    return { series: out, errors };
  }
  const fn = unwrap ? RANGE_FUNCTIONS[op === 'rate_counter' ? 'rate' : op === 'rate' ? 'sum_over_time' : op] : undefined;
  for (const s of series.values()) {
    await pacer.pause();
    const merged = mergeAll(s.runs);
    const timestamps: number[] = [];
    const values: number[] = [];
    let prefix: Float64Array | undefined;
    let windowValues: Float64Array | undefined;
    let windowMs: Float64Array | undefined;
    if (!unwrap) {
      prefix = new Float64Array(merged.values.length + 1);
      for (let i = 0; i < merged.values.length; i++) prefix[i + 1] = prefix[i]! + merged.values[i]!;
    } else {
      windowValues = Float64Array.from(merged.values);
      windowMs = op === 'rate_counter' ? Float64Array.from(merged.ts, (t) => Number(t / NS_PER_MS)) : new Float64Array(0);
    }
    slide(merged.ts, ends, rangeNs, (i, lo, hi) => {
      if (hi <= lo) return;
      let v: number | undefined;
      if (prefix) {
        const total = prefix[hi]! - prefix[lo]!;
        v = op === 'rate' || op === 'bytes_rate' ? total / rangeSeconds : total;
      } else {
        const endMs = stepsMs[i]! - range.offsetMs;
        v = fn!({
          timestampsMs: windowMs!,
          values: windowValues!,
          lo,
          hi,
          startMs: endMs - range.rangeMs,
          endMs,
          evalMs: stepsMs[i]!,
          params: [node.param ?? Number.NaN],
        });
        if (v !== undefined && op === 'rate') v /= rangeSeconds;
      }
      if (v === undefined) return;
      timestamps.push(stepsMs[i]!);
      values.push(v);
    });
    if (timestamps.length > 0) {
      const error = s.labels[ERROR_LABEL];
      if (error !== undefined) errors.add(error);
      out.push({ labels: s.labels, timestamps, values });
    }
  }
  return { series: out, errors };
}

/** Calls `fn(step, lo, hi)` with each window's index range over sorted `ts`: `(end - range, end]`. */
function slide(ts: bigint[], ends: bigint[], rangeNs: bigint, fn: (step: number, lo: number, hi: number) => void): void {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const start = end - rangeNs;
    while (lo < ts.length && ts[lo]! <= start) lo++;
    if (hi < lo) hi = lo;
    while (hi < ts.length && ts[hi]! <= end) hi++;
    fn(i, lo, hi);
  }
}

/** Labels of `absent_over_time`: the selector's equality matchers, as Loki and Prometheus do. */
function absentLabels(node: RangeAggregationExpr): Labels {
  const labels: Labels = {};
  const seen = new Set<string>();
  for (const m of node.range.matchers) {
    if (m.op === '=' && !seen.has(m.name)) {
      labels[m.name] = m.value;
      seen.add(m.name);
    } else delete labels[m.name];
  }
  if (node.grouping && !node.grouping.without) return keepOnly(labels, node.grouping.labels);
  return labels;
}

/** Range aggregations whose value per window is a function of the entry count and bytes alone. */
const COUNTABLE = new Set<RangeAggregationExpr['op']>(['count_over_time', 'bytes_over_time', 'rate', 'bytes_rate', 'absent_over_time']);

/**
 * True when the source can compute the aggregation: no `unwrap`, and a pipeline that is empty or
 * made only of line filters the source applies exactly (`lineContains` / `lineRegexes`), so no
 * stage can change a line, its labels or drop it beyond them.
 */
function canCountInSource(node: RangeAggregationExpr, pipeline: CompiledPipeline): boolean {
  if (node.range.unwrap || !COUNTABLE.has(node.op)) return false;
  return pipeline.stages.length === pipeline.lineContains.length + pipeline.lineRegexes.length;
}

/**
 * Evaluates a countable range aggregation through `LogSource.countLogs`: the source counts
 * entries and bytes per stream and window end, and this only maps streams (with their
 * structured metadata) to result labels exactly as the per-line path does and sums per series.
 */
async function countInSource(
  node: RangeAggregationExpr,
  source: LogSource,
  pipeline: CompiledPipeline,
  stepsMs: Float64Array,
  ends: bigint[],
  rangeNs: bigint,
  signal: AbortSignal | undefined,
  pacer: Pacer,
): Promise<RangeAggregationResult> {
  const range = node.range;
  const n = ends.length;
  const first = ends[0]!;
  const stepNs = n > 1 ? ends[1]! - first : rangeNs;
  const params: CountLogsParams = {
    matchers: range.matchers,
    startNs: first,
    endNs: ends[n - 1]!,
    stepNs,
    rangeNs,
    ...(pipeline.lineContains.length > 0 ? { lineContains: pipeline.lineContains } : {}),
    ...(pipeline.lineRegexes.length > 0 ? { lineRegexes: pipeline.lineRegexes } : {}),
    withBytes: node.op === 'bytes_over_time' || node.op === 'bytes_rate',
    ...(signal ? { signal } : {}),
  };
  pacer.check();
  let streams: Awaited<ReturnType<NonNullable<LogSource['countLogs']>>>;
  try {
    streams = await source.countLogs!(params);
  } finally {
    pacer.check();
  }
  const op = node.op;
  const grouping = node.grouping;
  const series = new Map<string, { labels: Labels; counts: Float64Array; bytes: Float64Array }>();
  const lbs = new LabelsBuilder();
  for (const stream of streams) {
    if (pacer.tick()) await pacer.pause();
    let labels = stream.labels;
    if (hasKeys(stream.metadata)) {
      lbs.setStream(stream.labels, labelsKey(stream.labels));
      lbs.reset(stream.metadata);
      labels = lbs.labels();
    }
    labels = groupLabels(labels, grouping, null);
    const key = labelsKey(labels);
    let s = series.get(key);
    if (!s) {
      s = { labels, counts: new Float64Array(n), bytes: new Float64Array(n) };
      series.set(key, s);
    }
    for (const p of stream.points) {
      const i = Number((p.tsNs - first) / stepNs);
      if (i < 0 || i >= n || first + BigInt(i) * stepNs !== p.tsNs) continue;
      s.counts[i]! += p.count;
      s.bytes[i]! += p.bytes;
    }
  }
  const errors = new Set<string>();
  const out: RawSeries[] = [];
  if (op === 'absent_over_time') {
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      let present = false;
      for (const s of series.values()) if (s.counts[i]! > 0) present = true;
      if (!present) {
        timestamps.push(stepsMs[i]!);
        values.push(1);
      }
    }
    if (timestamps.length > 0) out.push({ labels: absentLabels(node), timestamps, values });
    return { series: out, errors };
  }
  const rangeSeconds = range.rangeMs / 1000;
  const useBytes = op === 'bytes_over_time' || op === 'bytes_rate';
  const perSecond = op === 'rate' || op === 'bytes_rate';
  for (const s of series.values()) {
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!(s.counts[i]! > 0)) continue;
      const total = useBytes ? s.bytes[i]! : s.counts[i]!;
      timestamps.push(stepsMs[i]!);
      values.push(perSecond ? total / rangeSeconds : total);
    }
    if (timestamps.length > 0) {
      const error = s.labels[ERROR_LABEL];
      if (error !== undefined) errors.add(error);
      out.push({ labels: s.labels, timestamps, values });
    }
  }
  return { series: out, errors };
}
