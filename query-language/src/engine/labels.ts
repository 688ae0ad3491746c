import type { Labels } from '../types.js';

/** The label holding the metric name. */
export const METRIC_NAME = '__name__';

/** A stable string key for a label set, independent of property order. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  let key = '';
  for (const name of names) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
}

/** A key over only the named labels (absent labels count as empty). */
export function labelsKeyOn(labels: Labels, names: readonly string[]): string {
  let key = '';
  for (const name of [...names].sort()) key += `${name}\u0000${labels[name] ?? ''}\u0001`;
  return key;
}

/** A key over all labels except the named ones. */
export function labelsKeyWithout(labels: Labels, names: readonly string[]): string {
  const skip = new Set(names);
  let key = '';
  for (const name of Object.keys(labels).sort()) {
    if (!skip.has(name)) key += `${name}\u0000${labels[name]}\u0001`;
  }
  return key;
}

/** A copy of `labels` without `__name__`. */
export function dropMetricName(labels: Labels): Labels {
  if (!(METRIC_NAME in labels)) return labels;
  const { [METRIC_NAME]: _dropped, ...rest } = labels;
  return rest;
}

/** A copy with only the named labels (non-empty ones). */
export function keepOnly(labels: Labels, names: readonly string[]): Labels {
  const out: Labels = {};
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/** A copy without the named labels. */
export function without(labels: Labels, names: readonly string[]): Labels {
  const skip = new Set(names);
  const out: Labels = {};
  for (const [name, value] of Object.entries(labels)) if (!skip.has(name)) out[name] = value;
  return out;
}

/** Compares label sets as Prometheus' `labels.Compare`: by sorted (name, value) pairs. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i]!;
    const y = bn[i]!;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x]!;
    const yv = b[y]!;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

/** Formats labels as `{a="1", b="2"}` (sorted) for error messages and test output. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return `{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(', ')}}`;
}
