/**
 * Prometheus rule files: YAML `groups:` of alerting rules (`alert`, `expr`, `for`,
 * `keep_firing_for`, `labels`, `annotations`) and recording rules (`record`, `expr`, `labels`),
 * with the group's `interval` (default: the evaluation interval given) and `labels` (3.x, added to
 * every rule). Alerting rules become alarm definitions that evaluate exactly as Prometheus would
 * (a series returned by `expr` breaches; `for` = N = M; missing data is not breaching);
 * recording rules become {@link RecordingRule}s.
 */
import { parse as parseYaml } from 'yaml';
import { type AlarmDefinition, parseAlarmDefinition, parseDurationSeconds } from '../alarm/definition.js';
import { AlertingError, isAlertingError } from '../errors.js';

/** A recording rule: `expr` evaluated every `intervalSeconds`, written as series named `record`. */
export interface RecordingRule {
  record: string;
  query: string;
  labels: Record<string, string>;
  intervalSeconds: number;
  group: string;
  source: { kind: 'api' } | { kind: 'file'; file: string };
}

/** One group of a rule file. */
export interface RuleGroup {
  name: string;
  file: string;
  intervalSeconds: number;
  alarms: AlarmDefinition[];
  recording: RecordingRule[];
}

/** Largest rule file accepted, in bytes. */
export const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const GROUP_KEYS = new Set(['name', 'interval', 'rules', 'limit', 'labels', 'query_offset']);
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Parses a Prometheus rule file. Every problem is collected with its place
 * (`groups[0].rules[2]: alert: ...`); if there is any, throws `AlertingError('bad_data')` listing
 * them all, so a file is loaded whole or not at all. Alarm names must be unique across `taken`
 * (already used names) and the file: a repeated `alert` name gets the group name in front
 * (`group:alert`, then `group:alert:2`), while its `alertname` label stays the rule's name.
 */
export function parseRuleFile(text: string, options: { file: string; defaultIntervalSeconds?: number; taken?: ReadonlySet<string> }): RuleGroup[] {
  if (Buffer.byteLength(text) > MAX_RULE_FILE_BYTES) throw new AlertingError('bad_data', `${options.file}: rule file is larger than ${MAX_RULE_FILE_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100, prettyErrors: false });
  } catch (err) {
    throw new AlertingError('bad_data', `${options.file}: YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const problems: string[] = [];
  const groups: RuleGroup[] = [];
  if (doc === null || doc === undefined) return groups;
  if (!isObject(doc) || !Array.isArray(doc.groups)) throw new AlertingError('bad_data', `${options.file}: a rule file is an object with a "groups" list`);
  for (const k of Object.keys(doc)) if (k !== 'groups') problems.push(`${k}: unknown field`);
  const names = new Set(options.taken ?? []);
  const groupNames = new Set<string>();
  doc.groups.forEach((g: unknown, gi: number) => {
    const at = `groups[${gi}]`;
    if (!isObject(g)) {
      problems.push(`${at}: a group is an object`);
      return;
    }
    for (const k of Object.keys(g)) if (!GROUP_KEYS.has(k)) problems.push(`${at}.${k}: unknown field`);
    const name = g.name;
    if (typeof name !== 'string' || name === '') {
      problems.push(`${at}.name: must be a non-empty string`);
      return;
    }
    if (groupNames.has(name)) problems.push(`${at}.name: group ${JSON.stringify(name)} is repeated`);
    groupNames.add(name);
    let intervalSeconds = options.defaultIntervalSeconds ?? 60;
    if (g.interval !== undefined) {
      const s = parseDurationSeconds(g.interval);
      if (s === undefined || s <= 0) problems.push(`${at}.interval: must be a positive duration such as 30s or 1m`);
      else intervalSeconds = s;
    }
    const groupLabels = stringMap(g.labels, `${at}.labels`, problems);
    if (!Array.isArray(g.rules)) {
      problems.push(`${at}.rules: must be a list`);
      return;
    }
    const group: RuleGroup = { name, file: options.file, intervalSeconds, alarms: [], recording: [] };
    g.rules.forEach((r: unknown, ri: number) => {
      const rat = `${at}.rules[${ri}]`;
      if (!isObject(r)) {
        problems.push(`${rat}: a rule is an object`);
        return;
      }
      for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) problems.push(`${rat}.${k}: unknown field`);
      if (typeof r.expr !== 'string' || r.expr.trim() === '') problems.push(`${rat}.expr: must be a non-empty string`);
      const labels = { ...groupLabels, ...stringMap(r.labels, `${rat}.labels`, problems) };
      if (r.record !== undefined && r.alert !== undefined) {
        problems.push(`${rat}: only one of "record" and "alert" may be set`);
        return;
      }
      if (r.record !== undefined) {
        if (typeof r.record !== 'string' || !METRIC_NAME.test(r.record)) problems.push(`${rat}.record: must be a valid metric name`);
        for (const k of ['for', 'keep_firing_for', 'annotations']) if (r[k] !== undefined) problems.push(`${rat}.${k}: invalid field for a recording rule`);
        if (typeof r.record === 'string' && typeof r.expr === 'string') {
          group.recording.push({ record: r.record, query: r.expr, labels, intervalSeconds, group: name, source: { kind: 'file', file: options.file } });
        }
        return;
      }
      if (typeof r.alert !== 'string' || r.alert === '') {
        problems.push(`${rat}: one of "record" or "alert" must be set`);
        return;
      }
      let alarmName = safeName(r.alert);
      if (names.has(alarmName)) alarmName = safeName(`${name}:${r.alert}`);
      for (let n = 2; names.has(alarmName); n++) alarmName = safeName(`${name}:${r.alert}:${n}`);
      try {
        const def = parseAlarmDefinition({
          name: alarmName,
          query: r.expr,
          language: 'promql',
          periodSeconds: intervalSeconds,
          ...(r.for !== undefined ? { for: r.for } : {}),
          ...(r.keep_firing_for !== undefined ? { keepFiringFor: r.keep_firing_for } : {}),
          labels,
          annotations: r.annotations ?? {},
        });
        def.source = { kind: 'file', file: options.file, group: name };
        if (alarmName !== r.alert) def.labels.alertname = r.alert;
        names.add(alarmName);
        group.alarms.push(def);
      } catch (err) {
        if (!isAlertingError(err)) throw err;
        problems.push(`${rat} (${r.alert}): ${err.message}`);
      }
    });
    groups.push(group);
  });
  if (problems.length > 0) throw new AlertingError('bad_data', `${options.file}: ${problems.join('; ')}`);
  return groups;
}

/** Alarm names allow `[A-Za-z0-9_.:-]`; a group name may bring other characters. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 128);
}

function stringMap(v: unknown, at: string, problems: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    problems.push(`${at}: must be a map of strings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string') out[k] = val;
    else if (typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else problems.push(`${at}.${k}: must be a string`);
  }
  return out;
}
