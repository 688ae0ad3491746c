import { RE2JS } from 're2js';
import {
  type AggregateExpr,
  type AtModifier,
  assertNever,
  type BinaryExpr,
  type Call,
  type Expr,
  isComparisonOperator,
  isSetOperator,
  type LabelMatcher,
  type MatrixSelector,
  type SubqueryExpr,
  type VectorSelector,
} from '../ast/ast.js';
import { formatNumberLiteral, isLegacyLabelName } from '../ast/literals.js';
import { lineAndColumn, QueryError } from '../errors.js';
import { getFunction } from '../functions.js';
import type { Labels, SeriesSource } from '../types.js';
import { type Bucket, bucketFraction, bucketQuantile } from './histogram.js';
import { arithmetic, compare, ELEMENT_FUNCTIONS, MIN_INT64_TIME_PARTS, TIME_FUNCTIONS } from './instant-functions.js';
import {
  compareLabels,
  dropMetricName,
  formatLabels,
  keepOnly,
  labelsKey,
  labelsKeyOn,
  labelsKeyWithout,
  METRIC_NAME,
  without,
} from './labels.js';
import { PUSHDOWN_FUNCTIONS, planBuckets, planLatest } from './pushdown.js';
import { quantile, RANGE_FUNCTIONS, type Window } from './range-functions.js';
import { type EvalValue, type MatrixSeries, newStepSeries, type StepSeries, upperBound } from './values.js';

/** The scalar arguments of range functions that take none (never mutated). */
const NO_PARAMS: number[] = [];

/** Settings of one evaluation; see `EngineOptions` for defaults and units. */
export interface EvaluatorSettings {
  source: SeriesSource;
  lookbackDeltaMs: number;
  maxSamples: number;
  defaultSubqueryStepMs: number;
  /** See `EngineOptions.pairPushdownMinOverlap`. */
  pairPushdownMinOverlap: number;
  /** The query's own start and end (for `@ start()` / `@ end()`), epoch ms. */
  queryStartMs: number;
  queryEndMs: number;
  signal?: AbortSignal;
  /** The query text, when known, so that annotations can name a position (`(1:10)`). */
  queryText?: string;
}

/** Go's `%g` for annotation messages: shortest digits, exponent form below 1e-4 or from 1e21. */
export function goFormatG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= 21) {
    const [mantissa = '', e = '0'] = v.toExponential().split('e');
    const n = Number(e);
    return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}

/** Evaluation state for one query: evaluates nodes over a grid of steps. */
export class Evaluator {
  private samples = 0;
  /** Warnings collected while evaluating (for example, buckets without a valid `le`). */
  readonly warnings = new Set<string>();
  /** Informational annotations (for example, a rate over a metric that may not be a counter). */
  readonly infos = new Set<string>();

  constructor(private readonly settings: EvaluatorSettings) {}

  /** Records an annotation worded as Prometheus' (`PromQL warning: ... (1:10)`). */
  private annotate(kind: 'warning' | 'info', message: string, node: Expr): void {
    const text = this.settings.queryText;
    let full = `PromQL ${kind}: ${message}`;
    if (text !== undefined) {
      const { line, column } = lineAndColumn(text, node.pos.start);
      full += ` (${line}:${column})`;
    }
    (kind === 'warning' ? this.warnings : this.infos).add(full);
  }

  /** Warns once per distinct value when a quantile parameter lies outside [0, 1]. */
  private checkQuantile(values: Float64Array, node: Expr): void {
    for (const q of new Set(values)) {
      if (!(q >= 0 && q <= 1)) this.annotate('warning', `quantile value should be between 0 and 1, got ${goFormatG(q)}`, node);
    }
  }

  /** Throws `canceled` when the caller's signal has fired. */
  checkAbort(): void {
    if (this.settings.signal?.aborted) throw new QueryError('canceled', 'query was canceled', { cause: this.settings.signal.reason });
  }

  private lastYieldMs = performance.now();

  /**
   * Called between units of work: throws when cancelled, and hands the event loop back every
   * 20 ms so that a long evaluation neither starves other requests nor misses its cancellation
   * (an abort or timeout can only fire while the loop is free).
   */
  async pause(): Promise<void> {
    this.checkAbort();
    const now = performance.now();
    if (now - this.lastYieldMs < 20) return;
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.lastYieldMs = performance.now();
    this.checkAbort();
  }

  /** Adds to the sample count and throws `too_many_samples` beyond the limit. */
  account(n: number): void {
    this.samples += n;
    if (this.samples > this.settings.maxSamples) {
      throw new QueryError('too_many_samples', 'query processing would load too many samples into memory in query execution');
    }
  }

  /** Evaluates `node` at every time in `times` (epoch ms, ascending). */
  async eval(node: Expr, times: Float64Array): Promise<EvalValue> {
    this.checkAbort();
    switch (node.type) {
      case 'NumberLiteral':
        return { kind: 'scalar', values: new Float64Array(times.length).fill(node.value) };
      case 'StringLiteral':
        return { kind: 'string', value: node.value };
      case 'ParenExpr':
        return this.eval(node.expr, times);
      case 'VectorSelector':
        return { kind: 'vector', series: await this.selectVector(node, times, false) };
      case 'MatrixSelector':
        return this.selectMatrix(node, times);
      case 'SubqueryExpr':
        return this.subquery(node, times);
      case 'UnaryExpr': {
        const inner = await this.eval(node.expr, times);
        if (node.op === '+') return inner;
        if (inner.kind === 'scalar') return { kind: 'scalar', values: inner.values.map((v) => -v) };
        const series = this.expectVector(inner).map((s) => ({ ...s, labels: dropMetricName(s.labels), values: s.values.map((v) => -v) }));
        return { kind: 'vector', series: ensureUnique(series) };
      }
      case 'AggregateExpr':
        return this.aggregate(node, times);
      case 'Call':
        return this.call(node, times);
      case 'BinaryExpr':
        return this.binary(node, times);
      default:
        return assertNever(node);
    }
  }

  private expectVector(value: EvalValue): StepSeries[] {
    if (value.kind !== 'vector') throw new QueryError('execution', `expected instant vector, got ${value.kind}`);
    return value.series;
  }

  private async scalarArg(node: Expr, times: Float64Array): Promise<Float64Array> {
    const value = await this.eval(node, times);
    if (value.kind !== 'scalar') throw new QueryError('execution', `expected scalar, got ${value.kind}`);
    return value.values;
  }

  private async stringArg(node: Expr, times: Float64Array): Promise<string> {
    const value = await this.eval(node, times);
    if (value.kind !== 'string') throw new QueryError('execution', `expected string, got ${value.kind}`);
    return value.value;
  }

  private atTime(at: AtModifier | null, t: number): number {
    if (!at) return t;
    switch (at.type) {
      case 'timestamp':
        return at.timestampMs;
      case 'start':
        return this.settings.queryStartMs;
      case 'end':
        return this.settings.queryEndMs;
      default:
        return assertNever(at);
    }
  }

  private async fetch(matchers: readonly LabelMatcher[], startMs: number, endMs: number) {
    const { signal } = this.settings;
    let series: Awaited<ReturnType<SeriesSource['select']>>;
    try {
      series = await this.settings.source.select(signal ? { matchers, startMs, endMs, signal } : { matchers, startMs, endMs });
    } catch (err) {
      // A source rejecting because the query was cancelled is a cancellation, not a storage fault.
      this.checkAbort();
      throw err;
    }
    this.checkAbort();
    return series;
  }

  /** Instant vector selector with lookback and staleness; `timestamps` yields sample times in seconds. */
  async selectVector(vs: VectorSelector, times: Float64Array, timestamps: boolean): Promise<StepSeries[]> {
    const n = times.length;
    const evalTimes = times.map((t) => this.atTime(vs.at, t) - vs.offsetMs);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const t of evalTimes) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    const pushed = await this.pushdownSelector(vs, evalTimes, timestamps);
    if (pushed) return pushed;
    const lookback = this.settings.lookbackDeltaMs;
    const raw = await this.fetch(vs.matchers, min - lookback + 1, max);
    const out: StepSeries[] = [];
    for (const series of raw) {
      await this.pause();
      const ts = series.timestamps;
      const stale = series.stale;
      const result = newStepSeries(series.labels, n);
      let any = false;
      let count = 0;
      // Evaluation times usually ascend: then the search for each starts where the last ended.
      let from = 0;
      let prevTe = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const te = evalTimes[i]!;
        if (te < prevTe) from = 0;
        prevTe = te;
        from = upperBound(ts, te, from);
        const idx = from - 1;
        if (idx < 0 || ts[idx]! <= te - lookback || (stale && stale[idx] === 1)) continue;
        result.present[i] = 1;
        result.values[i] = timestamps ? ts[idx]! / 1000 : series.values[idx]!;
        any = true;
        count++;
      }
      this.account(count);
      if (any) out.push(result);
    }
    return out;
  }

  private async selectMatrix(ms: MatrixSelector, times: Float64Array): Promise<EvalValue> {
    const vs = ms.vector;
    const endsMs = times.map((t) => this.atTime(vs.at, t) - vs.offsetMs);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const t of endsMs) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    const raw = await this.fetch(vs.matchers, min - ms.rangeMs + 1, max);
    const series: MatrixSeries[] = [];
    for (const s of raw) {
      // Samples are sorted, so the ones in range are one slice; it is shared with the source
      // (neither side mutates it) unless stale markers, which are never part of a range, must go.
      const ts = s.timestamps;
      const lo = upperBound(ts, min - ms.rangeMs);
      const hi = upperBound(ts, max, lo);
      let stale = 0;
      if (s.stale) for (let i = lo; i < hi; i++) stale += s.stale[i] === 1 ? 1 : 0;
      const kept = hi - lo - stale;
      this.account(kept);
      if (kept === 0) continue;
      let timestampsMs: Float64Array;
      let values: Float64Array;
      if (stale === 0 && ts instanceof Float64Array && s.values instanceof Float64Array) {
        timestampsMs = ts.subarray(lo, hi);
        values = s.values.subarray(lo, hi);
      } else {
        timestampsMs = new Float64Array(kept);
        values = new Float64Array(kept);
        let k = 0;
        for (let i = lo; i < hi; i++) {
          if (s.stale && s.stale[i] === 1) continue;
          timestampsMs[k] = ts[i]!;
          values[k++] = s.values[i]!;
        }
      }
      series.push({ labels: s.labels, timestampsMs, values });
    }
    return { kind: 'matrix', series, rangeMs: ms.rangeMs, endsMs };
  }

  /**
   * Evaluates `f(selector[range])` from per-bucket aggregates that the source computes itself
   * (`SeriesSource.selectBuckets`), when the function and the step grid allow it; undefined
   * otherwise, and the caller evaluates the call over raw samples. Same answers either way.
   */
  private async pushdownRange(node: Call, times: Float64Array, rename: (labels: Labels) => Labels): Promise<EvalValue | undefined> {
    const spec = PUSHDOWN_FUNCTIONS[node.func];
    const source = this.settings.source;
    if (!spec || !source.selectBuckets || node.args.length !== 1) return undefined;
    const arg = unwrapParens(node.args[0]!);
    if (arg.type !== 'MatrixSelector') return undefined;
    const vs = arg.vector;
    const endsMs = times.map((t) => this.atTime(vs.at, t) - vs.offsetMs);
    const plan = planBuckets(endsMs, arg.rangeMs);
    if (!plan) return undefined;
    const pairs = spec.aggregates.some((a) => a === 'resets' || a === 'changes' || a === 'previous');
    const overlap = plan.stepBuckets === 0 ? 1 : plan.perWindow / plan.stepBuckets;
    if (pairs && overlap < this.settings.pairPushdownMinOverlap) return undefined;
    const { signal } = this.settings;
    const lastEndMs = plan.firstEndMs + (plan.buckets - 1) * plan.bucketMs;
    let bucketed: Awaited<ReturnType<NonNullable<SeriesSource['selectBuckets']>>>;
    try {
      bucketed = await source.selectBuckets({
        matchers: vs.matchers,
        startMs: plan.firstEndMs - plan.bucketMs + 1,
        endMs: lastEndMs,
        ...(signal ? { signal } : {}),
        firstEndMs: plan.firstEndMs,
        bucketMs: plan.bucketMs,
        buckets: plan.buckets,
        aggregates: spec.aggregates,
      });
    } catch (err) {
      this.checkAbort();
      throw err;
    }
    this.checkAbort();
    if (!bucketed) return undefined;
    const n = times.length;
    const out: StepSeries[] = [];
    let samples = 0;
    const bounds = { startMs: 0, endMs: 0 };
    for (const s of bucketed) {
      await this.pause();
      let seriesSamples = 0;
      for (let j = 0; j < plan.buckets; j++) seriesSamples += s.count[j]!;
      if (seriesSamples === 0) continue;
      samples += seriesSamples;
      if (node.func === 'rate' || node.func === 'increase') this.checkCounterName(s.labels, arg);
      const result = newStepSeries(rename(s.labels), n);
      let any = false;
      for (let i = 0; i < n; i++) {
        const lo = i * plan.stepBuckets;
        bounds.endMs = endsMs[i]!;
        bounds.startMs = bounds.endMs - arg.rangeMs;
        const v = spec.combine(s, lo, lo + plan.perWindow, bounds);
        if (v === 'fallback') return undefined;
        if (v === undefined) continue;
        result.values[i] = v;
        result.present[i] = 1;
        any = true;
      }
      if (any) out.push(result);
    }
    // The samples the buckets stand for, as the raw path would count them.
    this.account(samples);
    return { kind: 'vector', series: ensureUnique(out) };
  }

  /** The info annotation of `rate`/`increase` over a series whose name does not look like a counter's. */
  private checkCounterName(labels: Labels, node: Expr): void {
    const name = labels[METRIC_NAME];
    if (name !== undefined && !/(_total|_sum|_count|_bucket)$/.test(name)) {
      this.annotate('info', `metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ${JSON.stringify(name)}`, node);
    }
  }

  /**
   * An instant vector selector evaluated from the latest row per step-sized bucket that the
   * source computes itself (`selectBuckets` with `latest`), so that one value per series and
   * step crosses over instead of every raw sample; undefined when the source or the times do not
   * allow it, and the caller reads raw samples. Same answers either way.
   */
  private async pushdownSelector(vs: VectorSelector, evalTimes: Float64Array, timestamps: boolean): Promise<StepSeries[] | undefined> {
    const source = this.settings.source;
    if (!source.selectBuckets) return undefined;
    const lookback = this.settings.lookbackDeltaMs;
    const plan = planLatest(evalTimes, lookback);
    if (!plan) return undefined;
    const { signal } = this.settings;
    let bucketed: Awaited<ReturnType<NonNullable<SeriesSource['selectBuckets']>>>;
    try {
      bucketed = await source.selectBuckets({
        matchers: vs.matchers,
        startMs: plan.firstEndMs - plan.bucketMs + 1,
        endMs: plan.firstEndMs + (plan.buckets - 1) * plan.bucketMs,
        ...(signal ? { signal } : {}),
        firstEndMs: plan.firstEndMs,
        bucketMs: plan.bucketMs,
        buckets: plan.buckets,
        aggregates: ['latest'],
      });
    } catch (err) {
      this.checkAbort();
      throw err;
    }
    this.checkAbort();
    if (!bucketed) return undefined;
    const n = evalTimes.length;
    const out: StepSeries[] = [];
    for (const s of bucketed) {
      await this.pause();
      const latestTs = s.latestTs!;
      const latestStale = s.latestStale!;
      const latestValue = s.latestValue!;
      const result = newStepSeries(s.labels, n);
      let count = 0;
      // The latest non-empty bucket up to the current step's, found by walking forward once.
      let latest = -1;
      let scanned = 0;
      for (let i = 0; i < n; i++) {
        const b = plan.pre + i * plan.stepBuckets;
        for (; scanned <= b; scanned++) if (!Number.isNaN(latestTs[scanned]!)) latest = scanned;
        if (latest < 0) continue;
        const ts = latestTs[latest]!;
        if (ts <= evalTimes[i]! - lookback || latestStale[latest] === 1) continue;
        result.present[i] = 1;
        result.values[i] = timestamps ? ts / 1000 : latestValue[latest]!;
        count++;
      }
      this.account(count);
      if (count > 0) out.push(result);
    }
    return out;
  }

  private async subquery(sq: SubqueryExpr, times: Float64Array): Promise<EvalValue> {
    const endsMs = times.map((t) => this.atTime(sq.at, t) - sq.offsetMs);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const t of endsMs) {
      min = Math.min(min, t);
      max = Math.max(max, t);
    }
    const step = sq.stepMs > 0 ? sq.stepMs : this.settings.defaultSubqueryStepMs;
    // Inner steps are aligned to multiples of the step since the epoch; the window is left-open.
    let start = Math.floor((min - sq.rangeMs) / step) * step;
    if (start <= min - sq.rangeMs) start += step;
    const count = start > max ? 0 : Math.floor((max - start) / step) + 1;
    this.account(count);
    const innerTimes = new Float64Array(count);
    for (let i = 0; i < count; i++) innerTimes[i] = start + i * step;
    const inner = count === 0 ? { kind: 'vector' as const, series: [] } : await this.eval(sq.expr, innerTimes);
    const vectors = this.expectVector(inner);
    const series: MatrixSeries[] = [];
    for (const s of vectors) {
      const ts: number[] = [];
      const vs: number[] = [];
      for (let i = 0; i < count; i++) {
        if (s.present[i]) {
          ts.push(innerTimes[i]!);
          vs.push(s.values[i]!);
        }
      }
      this.account(ts.length);
      if (ts.length > 0) series.push({ labels: s.labels, timestampsMs: Float64Array.from(ts), values: Float64Array.from(vs) });
    }
    return { kind: 'matrix', series, rangeMs: sq.rangeMs, endsMs };
  }

  private async call(node: Call, times: Float64Array): Promise<EvalValue> {
    const fn = getFunction(node.func);
    if (!fn) throw new QueryError('bad_query', `unknown function with name "${node.func}"`);
    const n = times.length;
    const rename = (labels: Labels): Labels => (fn.keepsMetricName ? labels : dropMetricName(labels));

    const rangeFn = RANGE_FUNCTIONS[fn.name];
    if (rangeFn) {
      const pushed = await this.pushdownRange(node, times, rename);
      if (pushed) return pushed;
      const matrixIndex = fn.argTypes.indexOf('matrix');
      const params: Float64Array[] = [];
      for (let i = 0; i < node.args.length; i++) {
        if (i !== matrixIndex) params.push(await this.scalarArg(node.args[i]!, times));
      }
      const matrix = await this.eval(node.args[matrixIndex]!, times);
      if (matrix.kind !== 'matrix') throw new QueryError('execution', `expected range vector in call to ${fn.name}`);
      if (fn.name === 'quantile_over_time') this.checkQuantile(params[0]!, node.args[0]!);
      if (fn.name === 'rate' || fn.name === 'increase') {
        for (const s of matrix.series) this.checkCounterName(s.labels, node.args[matrixIndex]!);
      }
      const out: StepSeries[] = [];
      for (const s of matrix.series) {
        await this.pause();
        const result = newStepSeries(rename(s.labels), n);
        let any = false;
        // Window ends usually ascend: then both bounds move forward from where they were.
        let lo = 0;
        let hi = 0;
        let prevEnd = Number.NEGATIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          const end = matrix.endsMs[i]!;
          const startMs = end - matrix.rangeMs;
          if (end < prevEnd) lo = hi = 0;
          prevEnd = end;
          lo = upperBound(s.timestampsMs, startMs, lo);
          hi = upperBound(s.timestampsMs, end, Math.max(lo, hi));
          const w: Window = {
            timestampsMs: s.timestampsMs,
            values: s.values,
            lo,
            hi,
            startMs,
            endMs: end,
            evalMs: times[i]!,
            params: params.length === 0 ? NO_PARAMS : params.map((p) => p[i]!),
          };
          const v = rangeFn(w);
          if (v !== undefined) {
            result.values[i] = v;
            result.present[i] = 1;
            any = true;
          }
        }
        if (any) out.push(result);
      }
      return { kind: 'vector', series: ensureUnique(out) };
    }

    const elementFn = ELEMENT_FUNCTIONS[fn.name];
    if (elementFn) {
      const input = this.expectVector(await this.eval(node.args[0]!, times));
      const params: Float64Array[] = [];
      for (const arg of node.args.slice(1)) params.push(await this.scalarArg(arg, times));
      return { kind: 'vector', series: ensureUnique(mapSeries(input, rename, (v, i) => elementFn(v, params.map((p) => p[i]!)))) };
    }

    const timeFn = TIME_FUNCTIONS[fn.name];
    if (timeFn) {
      // int64(v) in Go: NaN, ±Inf and values beyond ±2^63 become math.MinInt64 (amd64).
      const apply = (v: number): number =>
        Number.isFinite(v) && Math.abs(v) < 2 ** 63 ? timeFn(new Date(Math.trunc(v) * 1000)) : MIN_INT64_TIME_PARTS[fn.name]!;
      if (node.args.length === 0) {
        const s = newStepSeries({}, n);
        for (let i = 0; i < n; i++) {
          s.values[i] = apply(times[i]! / 1000);
          s.present[i] = 1;
        }
        return { kind: 'vector', series: [s] };
      }
      const input = this.expectVector(await this.eval(node.args[0]!, times));
      return { kind: 'vector', series: ensureUnique(mapSeries(input, dropMetricName, (v) => apply(v))) };
    }

    if (fn.nativeHistogramOnly) {
      // Vigil stores no native histograms, so these functions have nothing to act on.
      await this.eval(node.args[0]!, times);
      return { kind: 'vector', series: [] };
    }

    switch (fn.name) {
      case 'time':
        return { kind: 'scalar', values: times.map((t) => t / 1000) };
      case 'pi':
        return { kind: 'scalar', values: new Float64Array(n).fill(Math.PI) };
      case 'vector': {
        const values = await this.scalarArg(node.args[0]!, times);
        return { kind: 'vector', series: [{ labels: {}, values, present: new Uint8Array(n).fill(1) }] };
      }
      case 'scalar': {
        const input = this.expectVector(await this.eval(node.args[0]!, times));
        const values = new Float64Array(n).fill(Number.NaN);
        for (let i = 0; i < n; i++) {
          let count = 0;
          let value = Number.NaN;
          for (const s of input) {
            if (s.present[i]) {
              count++;
              value = s.values[i]!;
            }
          }
          if (count === 1) values[i] = value;
        }
        return { kind: 'scalar', values };
      }
      case 'timestamp': {
        const arg = unwrapParens(node.args[0]!);
        const input =
          arg.type === 'VectorSelector'
            ? await this.selectVector(arg, times, true)
            : mapSeries(this.expectVector(await this.eval(arg, times)), (l) => l, (_v, i) => times[i]! / 1000);
        return { kind: 'vector', series: ensureUnique(input.map((s) => ({ ...s, labels: dropMetricName(s.labels) }))) };
      }
      case 'sort':
      case 'sort_desc': {
        const input = this.expectVector(await this.eval(node.args[0]!, times));
        const desc = fn.name === 'sort_desc';
        return { kind: 'vector', series: sortByValue(input, desc) };
      }
      case 'sort_by_label':
      case 'sort_by_label_desc': {
        const input = this.expectVector(await this.eval(node.args[0]!, times));
        const names: string[] = [];
        for (const arg of node.args.slice(1)) names.push(await this.stringArg(arg, times));
        const desc = fn.name === 'sort_by_label_desc';
        const sorted = [...input].sort((a, b) => {
          for (const name of names) {
            const c = naturalCompare(a.labels[name] ?? '', b.labels[name] ?? '');
            if (c !== 0) return desc ? -c : c;
          }
          const c = compareLabels(a.labels, b.labels);
          return desc ? -c : c;
        });
        return { kind: 'vector', series: sorted };
      }
      case 'label_replace':
        return this.labelReplace(node, times);
      case 'label_join':
        return this.labelJoin(node, times);
      case 'absent':
      case 'absent_over_time':
        return this.absent(node, times);
      case 'histogram_quantile':
      case 'histogram_fraction':
        return this.histogram(node, times);
      case 'info':
        // Without info metrics to join, `info(v)` is `v` (Prometheus returns v when nothing matches).
        return this.eval(node.args[0]!, times);
      default:
        throw new QueryError('execution', `function "${fn.name}" is not implemented`);
    }
  }

  private async labelReplace(node: Call, times: Float64Array): Promise<EvalValue> {
    const input = this.expectVector(await this.eval(node.args[0]!, times));
    const [dst, replacement, src, regex] = await Promise.all(node.args.slice(1).map((a) => this.stringArg(a, times)));
    let re: RE2JS;
    try {
      re = RE2JS.compile(`^(?s:${regex})$`);
    } catch (err) {
      throw new QueryError('execution', `invalid regular expression in label_replace(): ${regex}`, { cause: err });
    }
    if (!isLegacyLabelName(dst!) && dst!.length === 0) {
      throw new QueryError('execution', `invalid destination label name in label_replace(): ${dst}`);
    }
    const out = input.map((s) => {
      const m = re.matcher(s.labels[src!] ?? '');
      if (!m.matches()) return s;
      const value = expandTemplate(replacement!, m);
      const labels = { ...s.labels };
      if (value === '') delete labels[dst!];
      else labels[dst!] = value;
      return { ...s, labels };
    });
    return { kind: 'vector', series: ensureUnique(out) };
  }

  private async labelJoin(node: Call, times: Float64Array): Promise<EvalValue> {
    const input = this.expectVector(await this.eval(node.args[0]!, times));
    const strings: string[] = [];
    for (const arg of node.args.slice(1)) strings.push(await this.stringArg(arg, times));
    const [dst, sep, ...srcs] = strings;
    if (!dst) throw new QueryError('execution', `invalid destination label name in label_join(): ${dst}`);
    const out = input.map((s) => {
      const value = srcs.map((name) => s.labels[name] ?? '').join(sep);
      const labels = { ...s.labels };
      if (value === '') delete labels[dst];
      else labels[dst] = value;
      return { ...s, labels };
    });
    return { kind: 'vector', series: ensureUnique(out) };
  }

  private async absent(node: Call, times: Float64Array): Promise<EvalValue> {
    const n = times.length;
    const arg = node.args[0]!;
    const value = await this.eval(arg, times);
    const present = new Uint8Array(n);
    if (value.kind === 'vector') {
      for (const s of value.series) for (let i = 0; i < n; i++) if (s.present[i]) present[i] = 1;
    } else if (value.kind === 'matrix') {
      for (const s of value.series) {
        for (let i = 0; i < n; i++) {
          const end = value.endsMs[i]!;
          if (upperBound(s.timestampsMs, end) > upperBound(s.timestampsMs, end - value.rangeMs)) present[i] = 1;
        }
      }
    }
    const out = newStepSeries(absentLabels(arg), n);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!present[i]) {
        out.values[i] = 1;
        out.present[i] = 1;
        any = true;
      }
    }
    return { kind: 'vector', series: any ? [out] : [] };
  }

  private async histogram(node: Call, times: Float64Array): Promise<EvalValue> {
    const n = times.length;
    const isFraction = node.func === 'histogram_fraction';
    const scalarCount = isFraction ? 2 : 1;
    const params: Float64Array[] = [];
    for (let i = 0; i < scalarCount; i++) params.push(await this.scalarArg(node.args[i]!, times));
    const input = this.expectVector(await this.eval(node.args[scalarCount]!, times));
    if (!isFraction) this.checkQuantile(params[0]!, node.args[0]!);
    const groups = new Map<string, { labels: Labels; name: string | undefined; members: Array<{ le: number; series: StepSeries }> }>();
    for (const s of input) {
      const leText = s.labels.le;
      const le = leText === undefined ? Number.NaN : parseLe(leText);
      if (Number.isNaN(le)) {
        const name = s.labels[METRIC_NAME];
        this.annotate(
          'warning',
          `bucket label "le" is missing or has a malformed value of ${JSON.stringify(leText ?? '')}${name ? ` for metric name ${JSON.stringify(name)}` : ''}`,
          node.args[scalarCount]!,
        );
        continue;
      }
      const labels = without(s.labels, ['le', METRIC_NAME]);
      const key = labelsKey(labels);
      let group = groups.get(key);
      if (!group) {
        group = { labels, name: s.labels[METRIC_NAME], members: [] };
        groups.set(key, group);
      }
      group.members.push({ le, series: s });
    }
    const out: StepSeries[] = [];
    for (const group of groups.values()) {
      const result = newStepSeries(group.labels, n);
      let any = false;
      for (let i = 0; i < n; i++) {
        const buckets: Bucket[] = [];
        for (const m of group.members) if (m.series.present[i]) buckets.push({ upperBound: m.le, count: m.series.values[i]! });
        if (buckets.length === 0) continue;
        if (isFraction) {
          result.values[i] = bucketFraction(params[0]![i]!, params[1]![i]!, buckets);
        } else {
          const { value, forcedMonotonic } = bucketQuantile(params[0]![i]!, buckets);
          result.values[i] = value;
          if (forcedMonotonic) {
            const suffix = group.name ? ` for metric name ${JSON.stringify(group.name)}` : '';
            this.annotate(
              'info',
              `input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile)${suffix}`,
              node.args[scalarCount]!,
            );
          }
        }
        result.present[i] = 1;
        any = true;
      }
      if (any) out.push(result);
    }
    return { kind: 'vector', series: out };
  }

  private async aggregate(node: AggregateExpr, times: Float64Array): Promise<EvalValue> {
    const n = times.length;
    let paramValues: Float64Array | undefined;
    let paramString: string | undefined;
    if (node.param) {
      const p = await this.eval(node.param, times);
      if (p.kind === 'scalar') paramValues = p.values;
      else if (p.kind === 'string') paramString = p.value;
    }
    const input = this.expectVector(await this.eval(node.expr, times));
    const op = node.op;

    if (op === 'count_values') {
      const label = paramString ?? '';
      if (!isLegacyLabelName(label) && label === '') throw new QueryError('execution', `invalid label name "${label}"`);
      const out = new Map<string, StepSeries>();
      for (const s of input) {
        const base = groupLabels(node, s.labels);
        for (let i = 0; i < n; i++) {
          if (!s.present[i]) continue;
          const labels = { ...base, [label]: formatNumberLiteral(s.values[i]!) };
          const key = labelsKey(labels);
          let series = out.get(key);
          if (!series) {
            series = newStepSeries(labels, n);
            out.set(key, series);
          }
          series.values[i] = series.values[i]! + 1;
          series.present[i] = 1;
        }
      }
      return { kind: 'vector', series: [...out.values()] };
    }

    // Group the input series once; each group is evaluated per step.
    const groups = new Map<string, { labels: Labels; members: StepSeries[] }>();
    for (const s of input) {
      const labels = groupLabels(node, s.labels);
      const key = labelsKey(labels);
      let group = groups.get(key);
      if (!group) {
        group = { labels, members: [] };
        groups.set(key, group);
      }
      group.members.push(s);
    }

    if (op === 'quantile' && paramValues && node.param) this.checkQuantile(paramValues, node.param);
    if (op === 'limit_ratio' && paramValues && node.param) {
      for (const r of new Set(paramValues)) {
        if (!(r >= -1 && r <= 1)) {
          const capped = Number.isNaN(r) ? Number.NaN : Math.max(-1, Math.min(1, r));
          this.annotate('warning', `ratio value should be between -1 and 1, got ${goFormatG(r)}, capping to ${goFormatG(capped)}`, node.param);
        }
      }
    }
    if (op === 'topk' || op === 'bottomk' || op === 'limitk' || op === 'limit_ratio') {
      return { kind: 'vector', series: this.selectK(op, groups, paramValues!, n) };
    }

    const out: StepSeries[] = [];
    for (const group of groups.values()) {
      await this.pause();
      const result = newStepSeries(group.labels, n);
      let any = false;
      const values: number[] = [];
      for (let i = 0; i < n; i++) {
        values.length = 0;
        for (const m of group.members) if (m.present[i]) values.push(m.values[i]!);
        if (values.length === 0) continue;
        result.values[i] = aggregateValues(op, values, paramValues?.[i] ?? Number.NaN);
        result.present[i] = 1;
        any = true;
      }
      if (any) out.push(result);
    }
    return { kind: 'vector', series: out };
  }

  private selectK(
    op: 'topk' | 'bottomk' | 'limitk' | 'limit_ratio',
    groups: Map<string, { labels: Labels; members: StepSeries[] }>,
    param: Float64Array,
    n: number,
  ): StepSeries[] {
    const chosen = new Map<StepSeries, StepSeries>();
    // Ties are broken by labels; the label keys are computed once per series, not per comparison.
    const sortKeys = new Map<StepSeries, string>();
    const pick = (s: StepSeries, i: number): void => {
      let copy = chosen.get(s);
      if (!copy) {
        copy = newStepSeries(s.labels, n);
        chosen.set(s, copy);
      }
      copy.values[i] = s.values[i]!;
      copy.present[i] = 1;
    };
    for (const group of groups.values()) {
      for (let i = 0; i < n; i++) {
        const p = param[i]!;
        const present = group.members.filter((m) => m.present[i]);
        if (present.length === 0) continue;
        if (op === 'limit_ratio') {
          const ratio = Math.max(-1, Math.min(1, p));
          for (const s of present) {
            const h = labelHashRatio(s.labels);
            if (ratio >= 0 ? h < ratio : h >= 1 + ratio) pick(s, i);
          }
          continue;
        }
        if (!Number.isFinite(p) && !Number.isNaN(p)) {
          if (p < 0) continue;
        } else if (Number.isNaN(p) || Math.abs(p) >= 2 ** 63) {
          throw new QueryError('execution', `Scalar value ${formatNumberLiteral(p)} overflows int64`);
        }
        const k = Math.trunc(p);
        if (k < 1) continue;
        const keyOf = (s: StepSeries): string => {
          let key = sortKeys.get(s);
          if (key === undefined) {
            key = labelsKey(s.labels);
            sortKeys.set(s, key);
          }
          return key;
        };
        const byLabels = (a: StepSeries, b: StepSeries): number => {
          const x = keyOf(a);
          const y = keyOf(b);
          return x < y ? -1 : x > y ? 1 : 0;
        };
        let ordered: StepSeries[];
        if (op === 'limitk') ordered = [...present].sort(byLabels);
        else {
          const sign = op === 'topk' ? -1 : 1;
          ordered = [...present].sort((a, b) => {
            const x = a.values[i]!;
            const y = b.values[i]!;
            // NaN is never preferred over a number, for either direction.
            if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
            if (x !== y && !Number.isNaN(x)) return sign * (x - y);
            return byLabels(a, b);
          });
        }
        for (const s of ordered.slice(0, k)) pick(s, i);
      }
    }
    const result = [...chosen.values()];
    if (op === 'topk' || op === 'bottomk') {
      // For instant queries the order is part of the answer: best first, as Prometheus returns it.
      return sortByValue(result, op === 'topk');
    }
    return result;
  }

  private async binary(node: BinaryExpr, times: Float64Array): Promise<EvalValue> {
    const n = times.length;
    const lhs = await this.eval(node.lhs, times);
    const rhs = await this.eval(node.rhs, times);
    const op = node.op;
    const comparison = isComparisonOperator(op);
    const apply = (a: number, b: number): number | undefined => {
      if (!comparison) return arithmetic(op, a, b);
      const ok = compare(op, a, b);
      if (node.returnBool) return ok ? 1 : 0;
      return ok ? a : undefined;
    };

    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = apply(lhs.values[i]!, rhs.values[i]!) ?? Number.NaN;
      return { kind: 'scalar', values };
    }
    const dropName = !comparison || node.returnBool;
    if (lhs.kind === 'scalar' || rhs.kind === 'scalar') {
      const scalarOnLeft = lhs.kind === 'scalar';
      const scalar = (scalarOnLeft ? lhs : rhs) as { values: Float64Array };
      const vector = this.expectVector(scalarOnLeft ? rhs : lhs);
      const series = mapSeries(
        vector,
        (l) => (dropName ? dropMetricName(l) : l),
        (v, i) => {
          const s = scalar.values[i]!;
          const result = scalarOnLeft ? apply(s, v) : apply(v, s);
          // A comparison filter keeps the vector's value even when the scalar is on the left.
          if (comparison && !node.returnBool && result !== undefined) return v;
          return result;
        },
      );
      return { kind: 'vector', series: ensureUnique(series) };
    }
    const left = this.expectVector(lhs);
    const right = this.expectVector(rhs);
    const matching = node.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
    const signature = (labels: Labels): string =>
      matching.on ? labelsKeyOn(labels, matching.labels) : labelsKeyWithout(labels, [...matching.labels, METRIC_NAME]);

    if (isSetOperator(op)) return { kind: 'vector', series: setOperation(op, left, right, signature, n) };

    const manySide = matching.card === 'one-to-many' ? right : left;
    const oneSide = matching.card === 'one-to-many' ? left : right;
    const out = new Map<string, StepSeries>();
    const manySigs = manySide.map((s) => signature(s.labels));
    const oneSigs = oneSide.map((s) => signature(s.labels));
    for (let i = 0; i < n; i++) {
      const ones = new Map<string, StepSeries>();
      oneSide.forEach((s, j) => {
        if (!s.present[i]) return;
        const sig = oneSigs[j]!;
        const existing = ones.get(sig);
        if (existing) {
          const side = matching.card === 'one-to-many' ? 'left' : 'right';
          throw new QueryError(
            'execution',
            `found duplicate series for the match group ${formatSignature(s.labels, matching)} on the ${side} hand-side of the operation: [${formatLabels(existing.labels)}, ${formatLabels(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
          );
        }
        ones.set(sig, s);
      });
      const seenMany = new Set<string>();
      manySide.forEach((s, j) => {
        if (!s.present[i]) return;
        const sig = manySigs[j]!;
        const one = ones.get(sig);
        if (!one) return;
        const [l, r] = matching.card === 'one-to-many' ? [one, s] : [s, one];
        const value = apply(l.values[i]!, r.values[i]!);
        // As in Prometheus, only pairs that survive a filtering comparison count as matches.
        if (value === undefined) return;
        if (matching.card === 'one-to-one') {
          if (seenMany.has(sig)) {
            throw new QueryError('execution', 'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
          }
          seenMany.add(sig);
        }
        const labels = resultLabels(s.labels, one.labels, matching, dropName);
        const key = labelsKey(labels);
        let result = out.get(key);
        if (!result) {
          result = newStepSeries(labels, n);
          out.set(key, result);
        } else if (result.present[i]) {
          throw new QueryError('execution', 'multiple matches for labels: grouping labels must ensure unique matches');
        }
        result.values[i] = value;
        result.present[i] = 1;
      });
    }
    return { kind: 'vector', series: [...out.values()] };
  }
}

function unwrapParens(expr: Expr): Expr {
  return expr.type === 'ParenExpr' ? unwrapParens(expr.expr) : expr;
}

/** Applies `fn` to every present sample; undefined drops the sample; empty series are dropped. */
function mapSeries(
  input: StepSeries[],
  relabel: (labels: Labels) => Labels,
  fn: (value: number, step: number) => number | undefined,
): StepSeries[] {
  const out: StepSeries[] = [];
  for (const s of input) {
    const result = newStepSeries(relabel(s.labels), s.values.length);
    let any = false;
    for (let i = 0; i < s.values.length; i++) {
      if (!s.present[i]) continue;
      const v = fn(s.values[i]!, i);
      if (v === undefined) continue;
      result.values[i] = v;
      result.present[i] = 1;
      any = true;
    }
    if (any) out.push(result);
  }
  return out;
}

/**
 * Merges series that ended up with the same labels (after dropping `__name__`, say). Prometheus
 * fails the query when two of them have a sample at the same step.
 */
export function ensureUnique(series: StepSeries[]): StepSeries[] {
  const byKey = new Map<string, StepSeries>();
  let merged = false;
  for (const s of series) {
    const key = labelsKey(s.labels);
    const existing = byKey.get(key);
    if (!existing) {
      byKey.set(key, s);
      continue;
    }
    merged = true;
    const target = existing === s ? s : { labels: existing.labels, values: existing.values.slice(), present: existing.present.slice() };
    for (let i = 0; i < s.values.length; i++) {
      if (!s.present[i]) continue;
      if (target.present[i]) throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
      target.present[i] = 1;
      target.values[i] = s.values[i]!;
    }
    byKey.set(key, target);
  }
  return merged ? [...byKey.values()] : series;
}

function sortByValue(series: StepSeries[], desc: boolean): StepSeries[] {
  return [...series].sort((a, b) => {
    const x = a.values[0]!;
    const y = b.values[0]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
    if (x !== y && !Number.isNaN(x)) return desc ? y - x : x - y;
    return compareLabels(a.labels, b.labels);
  });
}

/** Compares strings treating digit runs as numbers (`a2` < `a10`), as `sort_by_label` does. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

function groupLabels(node: AggregateExpr, labels: Labels): Labels {
  return node.without ? without(labels, [...node.grouping, METRIC_NAME]) : keepOnly(labels, node.grouping);
}

function aggregateValues(op: string, values: number[], param: number): number {
  switch (op) {
    case 'sum': {
      let sum = 0;
      let c = 0;
      for (const v of values) {
        const t = sum + v;
        if (!Number.isFinite(t)) {
          sum = t;
          c = 0;
          continue;
        }
        if (Math.abs(sum) >= Math.abs(v)) c += sum - t + v;
        else c += v - t + sum;
        sum = t;
      }
      return Number.isFinite(sum) ? sum + c : sum;
    }
    case 'avg': {
      const sum = aggregateValues('sum', values, param);
      if (Number.isFinite(sum) || values.some((v) => !Number.isFinite(v))) return sum / values.length;
      // The sum overflowed although every value is finite: use an incremental mean instead.
      let mean = 0;
      values.forEach((v, i) => {
        mean += v / (i + 1) - mean / (i + 1);
      });
      return mean;
    }
    case 'count':
      return values.length;
    case 'group':
      return 1;
    case 'min': {
      let min = values[0]!;
      for (const v of values) if (v < min || Number.isNaN(min)) min = v;
      return min;
    }
    case 'max': {
      let max = values[0]!;
      for (const v of values) if (v > max || Number.isNaN(max)) max = v;
      return max;
    }
    case 'stddev':
    case 'stdvar': {
      let count = 0;
      let mean = 0;
      let aux = 0;
      for (const v of values) {
        count++;
        const delta = v - mean;
        mean += delta / count;
        aux += delta * (v - mean);
      }
      const variance = aux / count;
      return op === 'stddev' ? Math.sqrt(variance) : variance;
    }
    case 'quantile':
      return quantile(param, values);
    default:
      throw new QueryError('execution', `aggregation "${op}" is not implemented`);
  }
}

/** A deterministic number in [0, 1) from a label set (FNV-1a), for `limit_ratio`. */
function labelHashRatio(labels: Labels): number {
  let h = 0x811c9dc5;
  const key = labelsKey(labels);
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

function setOperation(
  op: 'and' | 'or' | 'unless',
  left: StepSeries[],
  right: StepSeries[],
  signature: (labels: Labels) => string,
  n: number,
): StepSeries[] {
  const leftSigs = left.map((s) => signature(s.labels));
  const rightSigs = right.map((s) => signature(s.labels));
  const sigsAt = (side: StepSeries[], sigs: string[], i: number): Set<string> => {
    const set = new Set<string>();
    side.forEach((s, j) => {
      if (s.present[i]) set.add(sigs[j]!);
    });
    return set;
  };
  const out: StepSeries[] = [];
  const filtered = (side: StepSeries[], keep: (j: number, i: number) => boolean): StepSeries[] =>
    side.flatMap((s, j) => {
      const result = newStepSeries(s.labels, n);
      let any = false;
      for (let i = 0; i < n; i++) {
        if (s.present[i] && keep(j, i)) {
          result.values[i] = s.values[i]!;
          result.present[i] = 1;
          any = true;
        }
      }
      return any ? [result] : [];
    });
  const rightAt: Set<string>[] = [];
  const leftAt: Set<string>[] = [];
  for (let i = 0; i < n; i++) {
    rightAt.push(sigsAt(right, rightSigs, i));
    leftAt.push(sigsAt(left, leftSigs, i));
  }
  switch (op) {
    case 'and':
      out.push(...filtered(left, (j, i) => rightAt[i]!.has(leftSigs[j]!)));
      break;
    case 'unless':
      out.push(...filtered(left, (j, i) => !rightAt[i]!.has(leftSigs[j]!)));
      break;
    case 'or':
      out.push(...left.filter((s) => s.present.some((p) => p === 1)));
      out.push(...filtered(right, (j, i) => !leftAt[i]!.has(rightSigs[j]!)));
      return ensureUnique(out);
    default:
      return assertNever(op);
  }
  return out;
}

function resultLabels(
  many: Labels,
  one: Labels,
  matching: { card: string; on: boolean; labels: string[]; include: string[] },
  dropName: boolean,
): Labels {
  let labels = dropName ? dropMetricName(many) : { ...many };
  if (matching.card === 'one-to-one') {
    labels = matching.on ? keepOnly(labels, matching.labels) : without(labels, matching.labels);
  }
  if (matching.include.length > 0) {
    labels = without(labels, matching.include);
    for (const name of matching.include) {
      const value = one[name];
      if (value !== undefined && value !== '') labels[name] = value;
    }
  }
  return labels;
}

function formatSignature(labels: Labels, matching: { on: boolean; labels: string[] }): string {
  return formatLabels(matching.on ? keepOnly(labels, matching.labels) : without(labels, [...matching.labels, METRIC_NAME]));
}

/** Labels of `absent(...)`: the equality matchers of a selector argument. */
function absentLabels(arg: Expr): Labels {
  const inner = unwrapParens(arg);
  const vs = inner.type === 'MatrixSelector' ? inner.vector : inner.type === 'VectorSelector' ? inner : null;
  if (!vs) return {};
  // In matcher order: the first equality matcher of a name sets the label; any later matcher of
  // that name (or a non-equality matcher after it) removes it again. This keeps Prometheus'
  // historic behaviour, including `{job!="y", job="x"}` giving job="x".
  const labels: Labels = {};
  const setOnce = new Set<string>();
  for (const m of vs.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.op === '=' && !setOnce.has(m.name)) {
      labels[m.name] = m.value;
      setOnce.add(m.name);
    } else delete labels[m.name];
  }
  return labels;
}

/** Parses an `le` label value as Go's ParseFloat would (`+Inf`, `1e3`, ...). */
function parseLe(text: string): number {
  const t = text.trim();
  if (/^[+]?inf(inity)?$/i.test(t)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(t)) return Number.NEGATIVE_INFINITY;
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return Number.NaN;
  return Number(t);
}

/**
 * Expands a Go regexp replacement template (`$1`, `${1}`, `$name`, `${name}`, `$$`) for the
 * current match; unknown groups expand to the empty string, as in Go.
 */
export function expandTemplate(template: string, m: { group(i: number | string): string | null; groupCount(): number }): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i]!;
    if (ch !== '$') {
      out += ch;
      continue;
    }
    if (template[i + 1] === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2);
      const candidate = close < 0 ? '' : template.slice(i + 2, close);
      if (close < 0 || !/^[a-zA-Z0-9_]+$/.test(candidate)) {
        out += ch;
        continue;
      }
      name = candidate;
      end = close;
    } else {
      const match = /^[a-zA-Z0-9_]+/.exec(template.slice(i + 1));
      if (!match) {
        out += ch;
        continue;
      }
      name = match[0];
      end = i + name.length;
    }
    i = end;
    if (/^\d+$/.test(name)) {
      const index = Number(name);
      if (index <= m.groupCount()) out += m.group(index) ?? '';
    } else {
      try {
        out += m.group(name) ?? '';
      } catch {
        // Go expands an unknown group name to the empty string.
      }
    }
  }
  return out;
}
