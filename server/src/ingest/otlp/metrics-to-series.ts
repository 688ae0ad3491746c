import { type Label, type SeriesSamples, canonicalLabels } from '@vigil/storage';
import type { DeltaAccumulator } from './delta-accumulator.js';
import type { OtlpAttribute, OtlpPointBase, OtlpResourceMetrics, OtlpScope } from './model.js';
import { type MetricKind, formatPromFloat, promLabelName, promMetricName } from './prometheus-names.js';

/** A data point (or a group of them) that did not become a sample, with why. */
export interface DroppedPoints {
  /** Counter reason: `delta_non_monotonic`, `exponential_histogram`, `unspecified_temporality`, … */
  reason: string;
  points: number;
  text: string;
}

/** Series built from one OTLP request. */
export interface ConvertedMetrics {
  /** One entry per distinct label set, labels canonical (sorted, no empty values). */
  series: SeriesSamples[];
  dropped: DroppedPoints[];
  /** Data points read, converted or not (histograms count once, not per bucket). */
  points: number;
}

/** What {@link otlpMetricsToSeries} needs besides the request. */
export interface ConvertOptions {
  /** Stamp for points without a time, epoch ms. */
  nowMs: number;
  /** Running totals for delta temporality, shared across requests. */
  deltas: DeltaAccumulator;
  /** Key prefix for `deltas`, so tenants never share totals. */
  tenant: string;
  /**
   * Label sets remembered across requests (see {@link SeriesLabelCache}); without it, a cache
   * for this call only. It never changes the result, only the cost.
   */
  cache?: SeriesLabelCache;
}

/** One converted label set: canonical labels and the builder's key for them. */
interface CachedSeries {
  labels: Label[];
  key: string;
}

/** Most label sets a {@link SeriesLabelCache} holds before it starts over. */
const MAX_CACHED_SERIES = 200_000;

/**
 * The label set of a number point by its context (resource `job`/`instance`, scope name and
 * version, Prometheus metric name) and its attribute list, so a series sent again skips sorting,
 * sanitising and joining. Attribute lists are looked up by identity: the protobuf decoder interns
 * them (one frozen list per distinct run of attribute bytes), so a repeated series hits across
 * requests. Only frozen lists are cached (a mutable list could change after it was cached).
 * Bounded: cleared when {@link MAX_CACHED_SERIES} entries were added.
 */
export class SeriesLabelCache {
  private contexts = new Map<string, WeakMap<readonly OtlpAttribute[], CachedSeries>>();
  private entries = 0;

  /** The per-attribute-list map of one context. */
  context(key: string): WeakMap<readonly OtlpAttribute[], CachedSeries> {
    let m = this.contexts.get(key);
    if (!m) {
      if (this.entries >= MAX_CACHED_SERIES || this.contexts.size >= MAX_CACHED_SERIES) this.clear();
      m = new WeakMap();
      this.contexts.set(key, m);
    }
    return m;
  }

  /** Counts an entry added to one of the contexts; clears everything past the bound. */
  added(): void {
    if (++this.entries >= MAX_CACHED_SERIES) this.clear();
  }

  private clear(): void {
    this.contexts = new Map();
    this.entries = 0;
  }
}

const RESOURCE_IDENTITY = new Set(['service.name', 'service.namespace', 'service.instance.id']);
const NO_RECORDED_VALUE = 1;
const NS_PER_MS = 1_000_000n;
/** Distinct point times a conversion remembers. */
const RECENT_TIMES = 16;

/** Attributes → labels: names sanitised; keys that collide after that have their values joined with `;` in key order. */
function attributeLabels(attrs: readonly OtlpAttribute[], into: Map<string, string>): void {
  const sorted = attrs.length > 1 ? [...attrs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : attrs;
  const seen = new Map<string, string>();
  for (const a of sorted) {
    const name = promLabelName(a.key);
    const prev = seen.get(name);
    seen.set(name, prev === undefined ? a.value : `${prev};${a.value}`);
  }
  for (const [k, v] of seen) into.set(k, v);
}

/** The builder's key of a canonical label set. */
function labelsKey(canon: readonly Label[]): string {
  let key = '';
  for (const l of canon) key += `${l.name}\u0000${l.value}\u0001`;
  return key;
}

interface SeriesAccumulator {
  labels: Label[];
  ts: number[];
  vals: number[];
  /** Staleness flags, made at the first staleness marker (until then all 0). */
  stale: number[] | undefined;
}

/** Collects samples per label set so a request with many points of one series appends once. */
class SeriesBuilder {
  readonly bySeries = new Map<string, SeriesAccumulator>();

  add(labels: Map<string, string>, tsMs: number, value: number, stale: boolean): void {
    const canon = canonicalLabels([...labels].map(([name, value]) => ({ name, value })));
    this.push(canon, labelsKey(canon), tsMs, value, stale);
  }

  /** Adds a sample to the series of `canon` (canonical labels whose key is `key`). */
  push(canon: Label[], key: string, tsMs: number, value: number, stale: boolean): void {
    let s = this.bySeries.get(key);
    if (!s) {
      s = { labels: canon, ts: [], vals: [], stale: undefined };
      this.bySeries.set(key, s);
    }
    if (stale && s.stale === undefined) s.stale = new Array<number>(s.ts.length).fill(0);
    s.ts.push(tsMs);
    s.vals.push(stale ? Number.NaN : value);
    if (s.stale !== undefined) s.stale.push(stale ? 1 : 0);
  }

  build(): SeriesSamples[] {
    const out: SeriesSamples[] = [];
    for (const s of this.bySeries.values()) {
      out.push(s.stale !== undefined ? { labels: s.labels, timestampsMs: s.ts, values: s.vals, stale: s.stale } : { labels: s.labels, timestampsMs: s.ts, values: s.vals });
    }
    return out;
  }
}

function seriesKey(tenant: string, name: string, labels: Map<string, string>): string {
  let key = `${tenant}\u0000${name}`;
  for (const [k, v] of [...labels].sort((a, b) => (a[0] < b[0] ? -1 : 1))) key += `\u0001${k}\u0000${v}`;
  return key;
}

/**
 * Converts decoded OTLP metrics into Prometheus series by the OpenTelemetry-to-Prometheus
 * compatibility rules (protocols.md §1.3): gauges as gauges; cumulative monotonic sums as
 * `_total` counters; cumulative non-monotonic sums as gauges; delta monotonic sums and delta
 * histograms accumulated into cumulative totals; explicit-bucket histograms as cumulative
 * `_bucket{le}` plus `_sum` and `_count`; summaries as `{quantile}` plus `_sum` and `_count`;
 * `job`/`instance` from the resource and its other attributes in one `target_info` series;
 * `otel_scope_name`/`otel_scope_version` from the scope. Points flagged "no recorded value" become
 * staleness markers. Exponential histograms and non-monotonic deltas are dropped and reported.
 * Pure apart from `options.deltas`, which it updates.
 */
export function otlpMetricsToSeries(resources: readonly OtlpResourceMetrics[], options: ConvertOptions): ConvertedMetrics {
  const out = new SeriesBuilder();
  const dropped: DroppedPoints[] = [];
  let points = 0;
  const cache = options.cache ?? new SeriesLabelCache();
  // Points of a request share a few timestamps: convert each distinct one once (the last few
  // kept, as points often cycle through the times of a request).
  const recentNs: bigint[] = [];
  const recentMs: number[] = [];
  let next = 0;
  let lastNs: bigint | undefined;
  let lastMs = 0;
  const tsOf = (p: OtlpPointBase): number => {
    const ns = p.timeNs;
    if (ns === lastNs) return lastMs;
    lastNs = ns;
    for (let i = 0; i < recentNs.length; i++) {
      if (recentNs[i] === ns) {
        lastMs = recentMs[i]!;
        return lastMs;
      }
    }
    lastMs = ns > 0n ? Number(ns / NS_PER_MS) : options.nowMs;
    recentNs[next] = ns;
    recentMs[next] = lastMs;
    next = (next + 1) % RECENT_TIMES;
    return lastMs;
  };

  for (const rm of resources) {
    const byKey = new Map(rm.resource.map((a) => [a.key, a.value]));
    const service = byKey.get('service.name') ?? '';
    const namespace = byKey.get('service.namespace') ?? '';
    const job = namespace && service ? `${namespace}/${service}` : service || namespace;
    const instance = byKey.get('service.instance.id') ?? '';
    let latestMs = Number.NEGATIVE_INFINITY;

    for (const { scope, metrics } of rm.scopes) {
      for (const m of metrics) {
        const base = (p: OtlpPointBase): Map<string, string> => {
          const labels = new Map<string, string>();
          attributeLabels(p.attributes, labels);
          scopeLabels(scope, labels);
          if (job) labels.set('job', job);
          if (instance) labels.set('instance', instance);
          return labels;
        };
        /** The canonical labels of a gauge or cumulative-sum point named `name`, cached by its attribute list. */
        const numberSeries = (p: OtlpPointBase, name: string, known: WeakMap<readonly OtlpAttribute[], CachedSeries>): CachedSeries => {
          let series = known.get(p.attributes);
          if (series) return series;
          const labels = base(p);
          labels.set('__name__', name);
          const canon = canonicalLabels([...labels].map(([n, v]) => ({ name: n, value: v })));
          series = { labels: canon, key: labelsKey(canon) };
          if (Object.isFrozen(p.attributes)) {
            known.set(p.attributes, series);
            cache.added();
          }
          return series;
        };
        const d = m.data;
        switch (d.type) {
          case 'none':
            break;
          case 'gauge': {
            const name = promMetricName(m.name, m.unit, 'gauge');
            const known = cache.context(contextKey(job, instance, scope, name));
            for (const p of d.points) {
              points++;
              const series = numberSeries(p, name, known);
              const ts = tsOf(p);
              if (ts > latestMs) latestMs = ts;
              out.push(series.labels, series.key, ts, p.value, (p.flags & NO_RECORDED_VALUE) !== 0);
            }
            break;
          }
          case 'sum': {
            points += d.points.length;
            if (d.temporality === 0) {
              dropped.push({ reason: 'unspecified_temporality', points: d.points.length, text: `metric ${JSON.stringify(m.name)}: sum without aggregation temporality` });
              break;
            }
            if (d.temporality === 1 && !d.monotonic) {
              dropped.push({
                reason: 'delta_non_monotonic',
                points: d.points.length,
                text: `metric ${JSON.stringify(m.name)}: non-monotonic delta sums cannot be made cumulative and are dropped`,
              });
              break;
            }
            const kind: MetricKind = d.monotonic ? 'counter' : 'gauge';
            const name = promMetricName(m.name, m.unit, kind);
            if (d.temporality === 2) {
              const known = cache.context(contextKey(job, instance, scope, name));
              for (const p of d.points) {
                const series = numberSeries(p, name, known);
                const ts = tsOf(p);
                if (ts > latestMs) latestMs = ts;
                out.push(series.labels, series.key, ts, p.value, (p.flags & NO_RECORDED_VALUE) !== 0);
              }
              break;
            }
            for (const p of d.points) {
              const labels = base(p);
              labels.set('__name__', name);
              const ts = tsOf(p);
              const stale = (p.flags & NO_RECORDED_VALUE) !== 0;
              let value = p.value;
              if (d.temporality === 1 && !stale) {
                const total = options.deltas.add(seriesKey(options.tenant, name, labels), [p.value]);
                if (!total) {
                  dropped.push({ reason: 'delta_accumulator_full', points: 1, text: `metric ${JSON.stringify(m.name)}: too many delta series to accumulate` });
                  continue;
                }
                value = total[0]!;
              }
              latestMs = Math.max(latestMs, ts);
              out.add(labels, ts, value, stale);
            }
            break;
          }
          case 'histogram': {
            points += d.points.length;
            if (d.temporality === 0) {
              dropped.push({ reason: 'unspecified_temporality', points: d.points.length, text: `metric ${JSON.stringify(m.name)}: histogram without aggregation temporality` });
              break;
            }
            const name = promMetricName(m.name, m.unit, 'histogram');
            for (const p of d.points) {
              if (p.bucketCounts.length !== 0 && p.bucketCounts.length !== p.bounds.length + 1) {
                dropped.push({
                  reason: 'invalid_histogram',
                  points: 1,
                  text: `metric ${JSON.stringify(m.name)}: ${p.bucketCounts.length} bucket counts for ${p.bounds.length} bounds (want bounds + 1)`,
                });
                continue;
              }
              const labels = base(p);
              const ts = tsOf(p);
              const stale = (p.flags & NO_RECORDED_VALUE) !== 0;
              let counts = p.bucketCounts;
              let count = p.count;
              let sum = p.sum;
              if (d.temporality === 1 && !stale) {
                const total = options.deltas.add(seriesKey(options.tenant, name, labels), [count, sum ?? 0, ...counts]);
                if (!total) {
                  dropped.push({ reason: 'delta_accumulator_full', points: 1, text: `metric ${JSON.stringify(m.name)}: too many delta series to accumulate` });
                  continue;
                }
                count = total[0]!;
                sum = sum === undefined ? undefined : total[1]!;
                counts = total.slice(2);
              }
              latestMs = Math.max(latestMs, ts);
              const emit = (suffix: string, value: number, extra?: [string, string]) => {
                const l = new Map(labels);
                l.set('__name__', `${name}${suffix}`);
                if (extra) l.set(extra[0], extra[1]);
                out.add(l, ts, value, stale);
              };
              let cumulative = 0;
              for (let i = 0; i < p.bounds.length && i < counts.length; i++) {
                cumulative += counts[i]!;
                emit('_bucket', cumulative, ['le', formatPromFloat(p.bounds[i]!)]);
              }
              emit('_bucket', count, ['le', '+Inf']);
              emit('_count', count);
              if (sum !== undefined) emit('_sum', sum);
            }
            break;
          }
          case 'summary': {
            const name = promMetricName(m.name, m.unit, 'summary');
            for (const p of d.points) {
              points++;
              const labels = base(p);
              const ts = tsOf(p);
              const stale = (p.flags & NO_RECORDED_VALUE) !== 0;
              latestMs = Math.max(latestMs, ts);
              for (const q of p.quantiles) {
                const l = new Map(labels);
                l.set('__name__', name);
                l.set('quantile', formatPromFloat(q.quantile));
                out.add(l, ts, q.value, stale);
              }
              for (const [suffix, value] of [
                ['_sum', p.sum],
                ['_count', p.count],
              ] as const) {
                const l = new Map(labels);
                l.set('__name__', `${name}${suffix}`);
                out.add(l, ts, value, stale);
              }
            }
            break;
          }
          case 'exponential_histogram':
            points += d.pointCount;
            dropped.push({
              reason: 'exponential_histogram',
              points: d.pointCount,
              text: `metric ${JSON.stringify(m.name)}: exponential histograms are not supported yet (${d.pointCount} points dropped); configure explicit buckets`,
            });
            break;
          default:
            assertNever(d);
        }
      }
    }

    const info = rm.resource.filter((a) => !RESOURCE_IDENTITY.has(a.key));
    if (info.length > 0 && latestMs > Number.NEGATIVE_INFINITY) {
      const labels = new Map<string, string>();
      attributeLabels(info, labels);
      if (job) labels.set('job', job);
      if (instance) labels.set('instance', instance);
      labels.set('__name__', 'target_info');
      out.add(labels, latestMs, 1, false);
    }
  }
  return { series: out.build(), dropped, points };
}

/** What besides its attributes decides a number point's labels. */
function contextKey(job: string, instance: string, scope: OtlpScope, name: string): string {
  return `${job}\u0000${instance}\u0000${scope.name}\u0000${scope.version}\u0000${name}`;
}

function scopeLabels(scope: OtlpScope, labels: Map<string, string>): void {
  if (scope.name) labels.set('otel_scope_name', scope.name);
  if (scope.version) labels.set('otel_scope_version', scope.version);
}

function assertNever(x: never): never {
  throw new Error(`unexpected metric data ${JSON.stringify(x)}`);
}
