import { type Label, type SeriesSamples, canonicalLabels } from '@vigil/storage';
import { type InfluxPoint, type InfluxPrecision, timestampToMs } from './line-protocol.js';

/** Series built from parsed points, and how many string fields were left out. */
export interface InfluxSeries {
  series: SeriesSamples[];
  /** String fields dropped (Prometheus series hold numbers only). */
  stringFields: number;
}

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
 * Maps points to series the way Telegraf's and VictoriaMetrics' Influx receivers do: one series
 * per numeric field named `<measurement>_<field>`, tags as labels (empty values dropped), booleans
 * as 1/0, string fields dropped and counted. Points without a timestamp get `nowMs`.
 */
export function influxPointsToSeries(points: readonly InfluxPoint[], precision: InfluxPrecision, nowMs: number): InfluxSeries {
  const bySeries = new Map<string, { labels: Label[]; ts: number[]; vals: number[] }>();
  let stringFields = 0;
  for (const p of points) {
    const ts = p.timestamp === undefined ? nowMs : timestampToMs(p.timestamp, precision);
    const tagLabels: Label[] = p.tags.map(([k, v]) => ({ name: tagLabelName(k), value: v }));
    const measurement = metricNamePart(p.measurement);
    for (const f of p.fields) {
      if (f.kind === 'string') {
        stringFields++;
        continue;
      }
      let name = `${measurement}_${metricNamePart(f.key)}`;
      if (/^[0-9]/.test(name)) name = `_${name}`;
      const labels = canonicalLabels([{ name: '__name__', value: name }, ...tagLabels]);
      let key = '';
      for (const l of labels) key += `${l.name}\u0000${l.value}\u0001`;
      let s = bySeries.get(key);
      if (!s) {
        s = { labels, ts: [], vals: [] };
        bySeries.set(key, s);
      }
      s.ts.push(ts);
      s.vals.push(f.kind === 'bool' ? (f.value ? 1 : 0) : f.value);
    }
  }
  return { series: [...bySeries.values()].map((s) => ({ labels: s.labels, timestampsMs: s.ts, values: s.vals })), stringFields };
}
