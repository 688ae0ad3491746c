import { type Label, type SeriesSamples, canonicalLabels } from '@vigil/storage';
import { type InfluxPoint, type InfluxPrecision, timestampToMs } from './line-protocol.js';

/** Series built from parsed points, and how many string fields were left out. */
export interface InfluxSeries {
  series: SeriesSamples[];
  /** String fields dropped (Prometheus series hold numbers only). */
  stringFields: number;
}

/** Label sets remembered by {@link influxPointsToSeries}' cache; it is cleared when full. */
export const MAX_CACHED_LABEL_SETS = 200_000;

/** `measurement` or `field` as a metric-name part: characters outside `[a-zA-Z0-9_:]` → `_`. */
export function metricNamePart(s: string): string {
  return s.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/** A tag key as a label name: characters outside `[a-zA-Z0-9_]` → `_`, a leading digit gets `_`. */
export function tagLabelName(key: string): string {
  const s = key.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/**
 * Label sets by field key for each frozen tag list. The parser shares one frozen tag list between
 * all lines with the same measurement and tags, in a request and across requests (its series-key
 * cache), so most fields find their labels here without building the string key of `cache`
 * (measurement, every tag and the field: ~200 characters to join and hash). Entries go when the
 * parser's cache lets the tag list go.
 */
const labelsByTags = new WeakMap<readonly [string, string][], { measurement: string; byField: Map<string, Label[]> }>();

/**
 * Maps points to series the way Telegraf's and VictoriaMetrics' Influx receivers do: one series
 * per numeric field named `<measurement>_<field>`, tags as labels (empty values dropped), booleans
 * as 1/0, string fields dropped and counted. Points without a timestamp get `nowMs`.
 */
export function influxPointsToSeries(
  points: readonly InfluxPoint[],
  precision: InfluxPrecision,
  nowMs: number,
  cache: Map<string, Label[]> = new Map(),
): InfluxSeries {
  const bySeries = new Map<Label[], { labels: Label[]; ts: number[]; vals: number[] }>();
  let stringFields = 0;
  let lastTs: bigint | undefined;
  let lastMs = nowMs;
  for (const p of points) {
    if (p.timestamp !== lastTs || lastTs === undefined) {
      lastTs = p.timestamp;
      lastMs = p.timestamp === undefined ? nowMs : timestampToMs(p.timestamp, precision);
    }
    const ts = lastMs;
    let local = Object.isFrozen(p.tags) ? labelsByTags.get(p.tags) : undefined;
    if (local && local.measurement !== p.measurement) local = undefined;
    // The same measurement, tags and field recur on every line of a client's batch and across
    // batches: their canonical label set is built once and looked up by this raw key after that.
    let pointKey: string | undefined;
    let tagLabels: Label[] | undefined;
    for (const f of p.fields) {
      if (f.kind === 'string') {
        stringFields++;
        continue;
      }
      let labels = local?.byField.get(f.key);
      if (!labels) {
        if (pointKey === undefined) {
          pointKey = p.measurement;
          for (const [k, v] of p.tags) pointKey += `\u0000${k}\u0001${v}`;
        }
        const cacheKey = `${pointKey}\u0002${f.key}`;
        labels = cache.get(cacheKey);
        if (!labels) {
          tagLabels ??= p.tags.map(([k, v]) => ({ name: tagLabelName(k), value: v }));
          let name = `${metricNamePart(p.measurement)}_${metricNamePart(f.key)}`;
          if (/^[0-9]/.test(name)) name = `_${name}`;
          labels = canonicalLabels([{ name: '__name__', value: name }, ...tagLabels]);
          if (cache.size >= MAX_CACHED_LABEL_SETS) cache.clear();
          cache.set(cacheKey, labels);
        }
        if (Object.isFrozen(p.tags)) {
          if (!local) {
            local = { measurement: p.measurement, byField: new Map() };
            labelsByTags.set(p.tags, local);
          }
          local.byField.set(f.key, labels);
        }
      }
      let s = bySeries.get(labels);
      if (!s) {
        s = { labels, ts: [], vals: [] };
        bySeries.set(labels, s);
      }
      s.ts.push(ts);
      s.vals.push(f.kind === 'bool' ? (f.value ? 1 : 0) : f.value);
    }
  }
  return { series: [...bySeries.values()].map((s) => ({ labels: s.labels, timestampsMs: s.ts, values: s.vals })), stringFields };
}
