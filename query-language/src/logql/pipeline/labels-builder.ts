import type { Labels } from '../../types.js';

/** The label Loki sets when a stage fails on a line. */
export const ERROR_LABEL = '__error__';
/** The label with the failure's details. */
export const ERROR_DETAILS_LABEL = '__error_details__';

/** `__error__` values, as Loki names them. */
export const PipelineErrors = {
  json: 'JSONParserErr',
  logfmt: 'LogfmtParserErr',
  labelFilter: 'LabelFilterErr',
  sampleExtraction: 'SampleExtractionErr',
  templateFormat: 'TemplateFormatErr',
} as const;

/**
 * The labels of one log line while it moves through a pipeline: the stream's labels, the entry's
 * structured metadata, and what stages add, change, remove or mark as an error. One builder is
 * reused for every line of a query (`reset` per line), so a line that no stage touches costs no
 * allocation: its labels are the stream's own object and key.
 *
 * Lookups see, in order: labels set on this line, then (unless removed) structured metadata, then
 * stream labels. `__error__` and `__error_details__` read and write the error fields. A label with
 * an empty value counts as absent in the final label set, as in Prometheus.
 */
export class LabelsBuilder {
  private base: Labels = {};
  private baseKey = '';
  private meta: Readonly<Record<string, string>> | undefined;
  private readonly added = new Map<string, string>();
  private readonly removed = new Set<string>();
  private error = '';
  private errorDetails = '';
  private modified = false;

  /** Starts a new stream: `labels` (never mutated) and its precomputed `labelsKey`. */
  setStream(labels: Labels, key: string): void {
    this.base = labels;
    this.baseKey = key;
  }

  /** Starts a new line with its structured metadata (not mutated). */
  reset(meta: Readonly<Record<string, string>> | undefined): void {
    this.meta = meta !== undefined && hasKeys(meta) ? meta : undefined;
    if (this.modified) {
      this.added.clear();
      this.removed.clear();
      this.error = '';
      this.errorDetails = '';
      this.modified = false;
    }
  }

  /** The current value of a label, or undefined when absent. */
  get(name: string): string | undefined {
    if (this.modified) {
      if (name === ERROR_LABEL) return this.error === '' ? undefined : this.error;
      if (name === ERROR_DETAILS_LABEL) return this.errorDetails === '' ? undefined : this.errorDetails;
      const v = this.added.get(name);
      if (v !== undefined) return v;
      if (this.removed.has(name)) return undefined;
    }
    const m = this.meta?.[name];
    if (m !== undefined) return m;
    return Object.hasOwn(this.base, name) ? this.base[name] : undefined;
  }

  /** True when the stream labels or the structured metadata hold `name` (parsers then add `_extracted`). */
  isOriginal(name: string): boolean {
    return Object.hasOwn(this.base, name) || (this.meta !== undefined && Object.hasOwn(this.meta, name));
  }

  /** Sets a label (formatters, renames). */
  set(name: string, value: string): void {
    this.modified = true;
    if (name === ERROR_LABEL) this.error = value;
    else if (name === ERROR_DETAILS_LABEL) this.errorDetails = value;
    else {
      this.added.set(name, value);
      this.removed.delete(name);
    }
  }

  /**
   * Sets a label extracted by a parser: a name that already exists in the stream labels or the
   * structured metadata gets the suffix `_extracted`, as in Loki.
   */
  setParsed(name: string, value: string): void {
    this.set(this.isOriginal(name) ? `${name}_extracted` : name, value);
  }

  /** Removes a label. */
  delete(name: string): void {
    this.modified = true;
    if (name === ERROR_LABEL) this.error = '';
    else if (name === ERROR_DETAILS_LABEL) this.errorDetails = '';
    else {
      this.added.delete(name);
      if (this.isOriginal(name)) this.removed.add(name);
    }
  }

  /** Marks the line as failed; the first error of a line wins. */
  setError(error: string, details: string): void {
    if (this.error !== '') return;
    this.modified = true;
    this.error = error;
    this.errorDetails = details;
  }

  /** True when a stage has marked this line with `__error__`. */
  hasError(): boolean {
    return this.modified && this.error !== '';
  }

  /** Calls `fn` for every present label (empty values included), error labels last. */
  forEach(fn: (name: string, value: string) => void): void {
    for (const name in this.base) {
      if (this.modified && (this.removed.has(name) || this.added.has(name))) continue;
      if (this.meta !== undefined && Object.hasOwn(this.meta, name)) continue;
      fn(name, this.base[name]!);
    }
    if (this.meta !== undefined) {
      for (const name in this.meta) {
        if (this.modified && (this.removed.has(name) || this.added.has(name))) continue;
        fn(name, this.meta[name]!);
      }
    }
    if (this.modified) {
      for (const [name, value] of this.added) fn(name, value);
      if (this.error !== '') fn(ERROR_LABEL, this.error);
      if (this.errorDetails !== '') fn(ERROR_DETAILS_LABEL, this.errorDetails);
    }
  }

  /** True when the line's labels are exactly the stream's (nothing set, removed or added by metadata). */
  isUnchanged(): boolean {
    return !this.modified && this.meta === undefined;
  }

  private readonly names: string[] = [];
  private readonly values = new Map<string, string>();

  /** Collects the non-empty labels into `names` (sorted) and `values`. */
  private collect(): void {
    this.names.length = 0;
    this.values.clear();
    this.forEach((name, value) => {
      if (value === '' || this.values.has(name)) return;
      this.values.set(name, value);
      this.names.push(name);
    });
    this.names.sort();
  }

  /** The final label set, names sorted: a new object, or the stream's own when unchanged. Empty values are left out. */
  labels(): Labels {
    if (this.isUnchanged()) return this.base;
    this.collect();
    const out: Labels = {};
    for (const name of this.names) out[name] = this.values.get(name)!;
    return out;
  }

  /** A stable key of `labels()` (as `labelsKey`); the stream's precomputed key when unchanged. */
  key(): string {
    if (this.isUnchanged()) return this.baseKey;
    this.collect();
    let key = '';
    for (const name of this.names) key += `${name}\u0000${this.values.get(name)}\u0001`;
    return key;
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
