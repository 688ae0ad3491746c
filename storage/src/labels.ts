/** One label: a name and a non-empty value. */
export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A label set as a plain object (`{__name__: "up", job: "node"}`), the shape the HTTP APIs print. */
export type LabelSet = Record<string, string>;

const KEY_PAIR_SEPARATOR = '\u0000';
const KEY_NAME_SEPARATOR = '\u0001';

/**
 * Builds the canonical identity key of a label set. The labels must already be canonical: sorted
 * by name, unique, with no empty values (ingest validates this, as the remote_write spec requires).
 *
 * The key is only used inside one process (map keys); it is never stored.
 */
export function seriesKey(labels: readonly Label[]): string {
  let key = '';
  for (const l of labels) key += l.name + KEY_NAME_SEPARATOR + l.value + KEY_PAIR_SEPARATOR;
  return key;
}

/**
 * Sorts labels by name and drops empty values, returning a new array (the input is not mutated).
 * Duplicate names are kept; callers that accept user input validate duplicates separately.
 */
export function canonicalLabels(labels: readonly Label[]): Label[] {
  return labels
    .filter((l) => l.value !== '')
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Converts a label array to a plain object. */
export function labelsToObject(labels: readonly Label[]): LabelSet {
  const out: LabelSet = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

/** Converts a plain object to a canonical label array (sorted, empty values dropped). */
export function objectToLabels(set: LabelSet): Label[] {
  return canonicalLabels(Object.entries(set).map(([name, value]) => ({ name, value })));
}
