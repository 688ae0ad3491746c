import { type Label, canonicalLabels } from '@vigil/storage';

/**
 * collectd `write_http` with `Format "JSON"` (protocols.md §1.6): a JSON array of value lists,
 * `{"values":[…],"dstypes":[…],"dsnames":[…],"time":<float s>,"interval":<float s>,"host","plugin",
 * "plugin_instance","type","type_instance"}`. Non-finite gauges arrive as `null` and are skipped.
 */

/** One sample ready to store. */
export interface CollectdSample {
  labels: Label[];
  timestampMs: number;
  value: number;
}

/** A value list that could not be used, by its index in the body. */
export interface CollectdProblem {
  index: number;
  message: string;
  /** Values the list carried (counted as discarded). */
  values: number;
}

/** The body is not a JSON array at all; the handler answers 400. */
export class CollectdDecodeError extends Error {
  readonly code = 'bad_collectd';
  constructor(message: string) {
    super(message);
    this.name = 'CollectdDecodeError';
  }
}

const DSTYPES = new Set(['gauge', 'counter', 'derive', 'absolute']);

/** `collectd_<plugin>_<type>[_<dsname>]` with characters outside `[a-zA-Z0-9_:]` as `_`; `_total` for counters and derives. */
export function collectdMetricName(plugin: string, type: string, dsname: string, dstype: string): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_:]/g, '_');
  let name = plugin === type ? `collectd_${clean(plugin)}` : `collectd_${clean(plugin)}_${clean(type)}`;
  // collectd_exporter's convention: the lone data source of most types is called "value" and adds nothing.
  if (dsname !== 'value' && dsname !== '') name += `_${clean(dsname)}`;
  if (dstype === 'counter' || dstype === 'derive') name += '_total';
  return name;
}

function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : undefined;
}

/**
 * Decodes a `write_http` JSON body into samples and per-list problems. Labels follow
 * collectd_exporter: `instance=<host>`, `<plugin>=<plugin_instance>`, `type=<type_instance>`
 * (empty ones dropped). `null` values are skipped and counted in `nulls`.
 *
 * @throws CollectdDecodeError when the body is not a JSON array.
 */
export function decodeCollectdJson(text: string): { samples: CollectdSample[]; problems: CollectdProblem[]; nulls: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CollectdDecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc)) throw new CollectdDecodeError('body must be a JSON array of value lists (collectd write_http with Format "JSON")');
  const samples: CollectdSample[] = [];
  const problems: CollectdProblem[] = [];
  let nulls = 0;
  for (let index = 0; index < doc.length; index++) {
    const item = doc[index] as unknown;
    const bad = (message: string, values = 1): void => {
      problems.push({ index, message: `value list ${index}: ${message}`, values });
    };
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      bad('must be an object');
      continue;
    }
    const o = item as Record<string, unknown>;
    const { values, dstypes, dsnames, time } = o;
    if (!Array.isArray(values)) {
      bad('"values" must be an array');
      continue;
    }
    if (!Array.isArray(dstypes) || dstypes.length !== values.length) {
      bad('"dstypes" must be an array as long as "values"', values.length);
      continue;
    }
    if (!Array.isArray(dsnames) || dsnames.length !== values.length) {
      bad('"dsnames" must be an array as long as "values"', values.length);
      continue;
    }
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) {
      bad('"time" must be a number of seconds', values.length);
      continue;
    }
    const host = str(o, 'host');
    const plugin = str(o, 'plugin');
    const pluginInstance = str(o, 'plugin_instance');
    const type = str(o, 'type');
    const typeInstance = str(o, 'type_instance');
    if (host === undefined || plugin === undefined || pluginInstance === undefined || type === undefined || typeInstance === undefined) {
      bad('"host", "plugin", "plugin_instance", "type" and "type_instance" must be strings', values.length);
      continue;
    }
    if (plugin === '' || type === '') {
      bad('"plugin" and "type" must not be empty', values.length);
      continue;
    }
    const timestampMs = Math.round(time * 1000);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as unknown;
      const dstype = dstypes[i] as unknown;
      const dsname = dsnames[i] as unknown;
      if (typeof dstype !== 'string' || !DSTYPES.has(dstype)) {
        bad(`dstypes[${i}] must be one of gauge, counter, derive, absolute; got ${JSON.stringify(dstype)}`);
        continue;
      }
      if (typeof dsname !== 'string') {
        bad(`dsnames[${i}] must be a string`);
        continue;
      }
      if (v === null) {
        nulls++;
        continue;
      }
      if (typeof v !== 'number') {
        bad(`values[${i}] must be a number or null, got ${JSON.stringify(v)}`);
        continue;
      }
      const pairs: Label[] = [
        { name: '__name__', value: collectdMetricName(plugin, type, dsname, dstype) },
        { name: 'instance', value: host },
        { name: 'type', value: typeInstance },
      ];
      const pluginLabel = plugin.replace(/[^a-zA-Z0-9_]/g, '_');
      if (pluginLabel !== 'instance' && pluginLabel !== 'type' && !/^[0-9]/.test(pluginLabel)) pairs.push({ name: pluginLabel, value: pluginInstance });
      samples.push({ labels: canonicalLabels(pairs), timestampMs, value: v });
    }
  }
  return { samples, problems, nulls };
}
