import type { Label, SeriesRefSlot } from '@vigil/storage';
import type { TenantLimits } from '../config/config.js';

const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Structural facts about a label set, computed once and cached with it. */
export interface LabelShape {
  labels: Label[];
  /** Why the set is invalid regardless of limits, if it is. */
  error: string | undefined;
  longestName: number;
  longestValue: number;
  /** Storage's cache slot for this label set (see `SeriesSamples.ref`). */
  ref: SeriesRefSlot;
}

/**
 * Checks what the remote_write spec requires of a label set, in the order it arrives: a
 * `__name__`, names sorted and unique, no empty names or values, valid metric and label names.
 * Returns the labels with the first problem (if any) described for a person.
 */
export function checkLabelShape(labels: Label[]): LabelShape {
  let error: string | undefined;
  let longestName = 0;
  let longestValue = 0;
  let hasName = false;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name.length > longestName) longestName = l.name.length;
    if (l.value.length > longestValue) longestValue = l.value.length;
    if (error) continue;
    if (l.name === '') error = 'empty label name';
    else if (l.value === '') error = `label ${JSON.stringify(l.name)} has an empty value`;
    else if (l.name === '__name__') {
      hasName = true;
      if (!METRIC_NAME_RE.test(l.value)) error = `invalid metric name ${JSON.stringify(l.value)}`;
    } else if (!LABEL_NAME_RE.test(l.name)) error = `invalid label name ${JSON.stringify(l.name)}`;
    if (!error && i > 0) {
      const prev = labels[i - 1]!.name;
      if (prev === l.name) error = `duplicate label name ${JSON.stringify(l.name)}`;
      else if (prev > l.name) error = `label names not sorted: ${JSON.stringify(prev)} before ${JSON.stringify(l.name)}`;
    }
  }
  if (!error && labels.length === 0) error = 'series has no labels';
  else if (!error && !hasName) error = 'series has no __name__ label';
  return { labels, error, longestName, longestValue, ref: {} };
}

/** Checks a shape against a tenant's label limits; returns the problem or `undefined`. */
export function checkLabelLimits(shape: LabelShape, limits: TenantLimits): string | undefined {
  if (shape.labels.length > limits.maxLabelsPerSeries) {
    return `series has ${shape.labels.length} labels, over the limit of ${limits.maxLabelsPerSeries}`;
  }
  if (shape.longestName > limits.maxLabelNameLength) {
    return `label name longer than the limit of ${limits.maxLabelNameLength} bytes`;
  }
  if (shape.longestValue > limits.maxLabelValueLength) {
    return `label value longer than the limit of ${limits.maxLabelValueLength} bytes`;
  }
  return undefined;
}

/** Formats a label set the way Prometheus prints one: `{__name__="up", job="x"}`. */
export function formatLabels(labels: readonly Label[]): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}
