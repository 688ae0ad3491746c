import type { AlarmSummary } from '../api/endpoints';

/** The threshold alarm editor's fields, as typed (numbers as text until checked). */
export interface AlarmForm {
  name: string;
  description: string;
  language: 'promql' | 'logql' | 'auto';
  query: string;
  periodSeconds: string;
  evaluationPeriods: string;
  datapointsToAlarm: string;
  comparison: '>' | '>=' | '<' | '<=';
  levels: Array<{ severity: string; threshold: string }>;
  treatMissingData: 'missing' | 'ignore' | 'breaching' | 'notBreaching';
  /** Comma-separated channel names. */
  channels: string;
  /** `key=value` per line. */
  labels: string;
  annotations: string;
  enabled: boolean;
}

/** The body `POST`/`PUT /api/v1/alarms` takes for a threshold alarm: only fields the API knows. */
export interface ThresholdAlarmBody {
  name: string;
  description: string;
  type: 'threshold';
  language: AlarmForm['language'];
  query: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  comparison: AlarmForm['comparison'];
  levels: Array<{ severity: string; threshold: number }>;
  treatMissingData: AlarmForm['treatMissingData'];
  channels: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  enabled: boolean;
}

/** A new alarm's starting point: one critical level, 3 of 5 one-minute datapoints. */
export function emptyAlarmForm(): AlarmForm {
  return {
    name: '',
    description: '',
    language: 'promql',
    query: '',
    periodSeconds: '60',
    evaluationPeriods: '5',
    datapointsToAlarm: '3',
    comparison: '>',
    levels: [{ severity: 'critical', threshold: '' }],
    treatMissingData: 'missing',
    channels: '',
    labels: '',
    annotations: '',
    enabled: true,
  };
}

const pairsText = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** The editor's fields for an existing alarm. */
export function formFromAlarm(a: AlarmSummary): AlarmForm {
  return {
    name: a.name,
    description: a.description,
    language: a.language,
    query: a.query,
    periodSeconds: String(a.periodSeconds),
    evaluationPeriods: String(a.evaluationPeriods),
    datapointsToAlarm: String(a.datapointsToAlarm),
    comparison: a.comparison,
    levels: a.levels.map((l) => ({ severity: l.severity, threshold: String(l.threshold) })),
    treatMissingData: a.treatMissingData as AlarmForm['treatMissingData'],
    channels: a.channels.join(', '),
    labels: pairsText(a.labels),
    annotations: pairsText(a.annotations),
    enabled: a.enabled,
  };
}

function parsePairs(text: string, what: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      problems.push(`${what}, line ${i + 1}: write key=value`);
      return;
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return out;
}

function integer(text: string, what: string, min: number, max: number, problems: string[]): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) problems.push(`${what} must be a whole number from ${min} to ${max}`);
  return n;
}

/**
 * Checks the form the way a user fixes it (every problem named) and builds the API body. The
 * server validates again and has the last word (its query parser, channel names, templates).
 */
export function alarmBody(form: AlarmForm): { body: ThresholdAlarmBody; problems: string[] } {
  const problems: string[] = [];
  const name = form.name.trim();
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(name)) problems.push('Name: 1 to 128 letters, digits, _ . : or -');
  if (form.query.trim() === '') problems.push('Query: required');
  const periodSeconds = integer(form.periodSeconds, 'Period (seconds)', 1, 86_400, problems);
  const evaluationPeriods = integer(form.evaluationPeriods, 'Datapoints considered', 1, 100, problems);
  const datapointsToAlarm = integer(form.datapointsToAlarm, 'Datapoints to alarm', 1, 100, problems);
  if (datapointsToAlarm > evaluationPeriods) problems.push('Datapoints to alarm must not exceed datapoints considered');
  const levels = form.levels.map((l, i) => {
    const threshold = Number(l.threshold.trim());
    if (l.severity.trim() === '') problems.push(`Level ${i + 1}: severity required`);
    if (l.threshold.trim() === '' || !Number.isFinite(threshold)) problems.push(`Level ${i + 1}: threshold must be a number`);
    return { severity: l.severity.trim(), threshold };
  });
  if (new Set(levels.map((l) => l.severity)).size !== levels.length) problems.push('Levels need distinct severities');
  const channels = form.channels
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  return {
    body: {
      name,
      description: form.description,
      type: 'threshold',
      language: form.language,
      query: form.query.trim(),
      periodSeconds,
      evaluationPeriods,
      datapointsToAlarm,
      comparison: form.comparison,
      levels,
      treatMissingData: form.treatMissingData,
      channels,
      labels: parsePairs(form.labels, 'Labels', problems),
      annotations: parsePairs(form.annotations, 'Annotations', problems),
      enabled: form.enabled,
    },
    problems,
  };
}
