import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Querier, type RecordingRule, type RuleGroup, isAlertingError, parseRuleFile } from '@vigil/alerting';
import { type DocumentStore, type MetricStore, objectToLabels } from '@vigil/storage';
import { Hono, type Context } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { HttpError, badData } from '../errors.js';
import type { Logger } from '../log.js';
import type { RecordingRuleStatus, RuleGroupStatus } from './prometheus-api.js';
import type { AlertingService } from './service.js';

/** Document kind of recording rule groups imported through the API. */
export const RECORDING_GROUP_KIND = 'recording-group';

interface StoredRecordingGroup {
  name: string;
  intervalSeconds: number;
  rules: RecordingRule[];
}

interface RuleHealth {
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  lastEvaluationMs: number | null;
  evaluationTimeSeconds: number;
}

/**
 * Prometheus rule files and recording rules: loads the configured rule files (files, or every
 * `*.yml`/`*.yaml` in a directory) for one tenant, imports rule files through the API (alerting
 * rules become API alarms, recording rules are stored per group), and evaluates every recording
 * rule at its group's interval, aligned to it, writing its results as series.
 */
export class RuleManager {
  private fileGroups: RuleGroup[] = [];
  private readonly health = new Map<string, RuleHealth>();
  private readonly lastRun = new Map<string, number>();
  private fileErrors: string[] = [];

  constructor(
    private readonly deps: {
      docs: DocumentStore;
      metrics: MetricStore;
      querier: Querier;
      alarms: AlertingService;
      log: Logger;
      ruleFiles: string[];
      ruleFilesTenant: string;
      now: () => number;
    },
  ) {}

  /** (Re)loads the rule files. A file with a problem is skipped whole and its problem logged. */
  async loadFiles(): Promise<void> {
    const groups: RuleGroup[] = [];
    const errors: string[] = [];
    const taken = new Set(this.deps.alarms.list(this.deps.ruleFilesTenant).filter((a) => a.source.kind === 'api').map((a) => a.name));
    for (const path of await expandPaths(this.deps.ruleFiles, errors)) {
      try {
        const parsed = parseRuleFile(await readFile(path, 'utf8'), { file: path, taken });
        for (const g of parsed) for (const a of g.alarms) taken.add(a.name);
        groups.push(...parsed);
      } catch (err) {
        const message = isAlertingError(err) ? err.message : `${path}: ${(err as Error).message}`;
        errors.push(message);
        this.deps.log.error('rule file not loaded', { err: message });
      }
    }
    this.fileGroups = groups;
    this.fileErrors = errors;
    this.deps.alarms.setFileAlarms(groups.flatMap((g) => g.alarms.map((def) => ({ tenant: this.deps.ruleFilesTenant, def }))));
  }

  /** Problems of the last `loadFiles`. */
  get loadErrors(): readonly string[] {
    return this.fileErrors;
  }

  /**
   * Imports a rule file for a tenant: alerting rules are saved as API alarms (replacing alarms of
   * the same name that came from the API), recording rules replace the stored group of the same
   * name. Everything is validated before anything is saved.
   */
  async import(tenant: string, text: string, fileName: string): Promise<{ alarms: string[]; recordingRules: string[]; groups: string[] }> {
    let groups: RuleGroup[];
    try {
      groups = parseRuleFile(text, { file: fileName });
    } catch (err) {
      if (isAlertingError(err)) throw badData(err.message);
      throw err;
    }
    const alarms = groups.flatMap((g) => g.alarms);
    const problems: string[] = [];
    const validated = alarms.map((def) => {
      def.source = { kind: 'api' };
      try {
        const existing = this.deps.alarms.get(tenant, def.name);
        if (existing?.source.kind === 'file') throw new Error(`alarm ${JSON.stringify(def.name)} comes from a rule file on the server`);
        return this.deps.alarms.check(tenant, def);
      } catch (err) {
        problems.push(`${def.name}: ${(err as Error).message.replace(/^invalid alarm: /, '')}`);
        return def;
      }
    });
    if (problems.length > 0) throw badData(`${fileName}: ${problems.join('; ')}`);
    for (const def of validated) await this.deps.alarms.save(tenant, { ...def, source: { kind: 'api' } }, false);
    for (const g of groups) {
      if (g.recording.length === 0) continue;
      const stored: StoredRecordingGroup = { name: g.name, intervalSeconds: g.intervalSeconds, rules: g.recording.map((r) => ({ ...r, source: { kind: 'api' } })) };
      await this.deps.docs.put(tenant, RECORDING_GROUP_KIND, g.name, stored, this.deps.now());
    }
    return { alarms: validated.map((d) => d.name), recordingRules: groups.flatMap((g) => g.recording.map((r) => r.record)), groups: groups.map((g) => g.name) };
  }

  /** Deletes an imported recording rule group. */
  async deleteGroup(tenant: string, name: string): Promise<boolean> {
    if (!this.deps.docs.get(tenant, RECORDING_GROUP_KIND, name)) return false;
    await this.deps.docs.delete(tenant, RECORDING_GROUP_KIND, name);
    return true;
  }

  private *recordingGroups(): Iterable<{ tenant: string; file: string; name: string; intervalSeconds: number; rules: RecordingRule[] }> {
    for (const g of this.fileGroups) if (g.recording.length > 0) yield { tenant: this.deps.ruleFilesTenant, file: g.file, name: g.name, intervalSeconds: g.intervalSeconds, rules: g.recording };
    for (const d of this.deps.docs.list<StoredRecordingGroup>(RECORDING_GROUP_KIND)) {
      yield { tenant: d.tenant, file: 'vigil-api', name: d.body.name, intervalSeconds: d.body.intervalSeconds, rules: d.body.rules };
    }
  }

  /** Evaluates the recording rules whose aligned evaluation time has come. */
  async tick(nowMs: number): Promise<void> {
    for (const g of this.recordingGroups()) {
      const step = g.intervalSeconds * 1000;
      const t = Math.floor(nowMs / step) * step;
      const key = `${g.tenant}\u0000${g.file}\u0000${g.name}`;
      if ((this.lastRun.get(key) ?? -1) >= t) continue;
      this.lastRun.set(key, t);
      for (const rule of g.rules) await this.evaluate(g.tenant, key, rule, t);
    }
  }

  private async evaluate(tenant: string, groupKey: string, rule: RecordingRule, t: number): Promise<void> {
    const started = performance.now();
    const hk = `${groupKey}\u0000${rule.record}`;
    try {
      const series = await this.deps.querier.range(tenant, rule.query, { startMs: t, endMs: t, stepMs: 1000 }, { language: 'promql' });
      const rows = [];
      for (const s of series) {
        const i = s.timestampsMs.indexOf(t);
        if (i < 0) continue;
        const labels: Record<string, string> = { ...s.labels, ...rule.labels, __name__: rule.record };
        rows.push({ labels: objectToLabels(labels), timestampsMs: [t], values: [s.values[i]!] });
      }
      if (rows.length > 0) await this.deps.metrics.append(tenant, rows);
      this.health.set(hk, { health: 'ok', lastError: '', lastEvaluationMs: t, evaluationTimeSeconds: (performance.now() - started) / 1000 });
    } catch (err) {
      this.health.set(hk, { health: 'err', lastError: (err as Error).message, lastEvaluationMs: t, evaluationTimeSeconds: (performance.now() - started) / 1000 });
      this.deps.log.warn('recording rule failed', { tenant, record: rule.record, err: (err as Error).message });
    }
  }

  /** A tenant's rule groups for `/api/v1/rules`: API alarms, rule-file groups, imported recording groups. */
  groups(tenant: string): RuleGroupStatus[] {
    const out: RuleGroupStatus[] = [];
    const api = this.deps.alarms.list(tenant).filter((a) => a.source.kind === 'api');
    if (api.length > 0) out.push({ name: 'alarms', file: 'vigil', intervalSeconds: Math.min(...api.map((a) => a.periodSeconds)), alarms: api, recording: [] });
    const status = (groupKey: string, r: RecordingRule): RecordingRuleStatus => {
      const h = this.health.get(`${groupKey}\u0000${r.record}`);
      return { name: r.record, query: r.query, labels: r.labels, health: h?.health ?? 'unknown', lastError: h?.lastError ?? '', lastEvaluationMs: h?.lastEvaluationMs ?? null, evaluationTimeSeconds: h?.evaluationTimeSeconds ?? 0 };
    };
    if (tenant === this.deps.ruleFilesTenant) {
      for (const g of this.fileGroups) {
        const key = `${tenant}\u0000${g.file}\u0000${g.name}`;
        out.push({ name: g.name, file: g.file, intervalSeconds: g.intervalSeconds, alarms: g.alarms, recording: g.recording.map((r) => status(key, r)) });
      }
    }
    for (const d of this.deps.docs.list<StoredRecordingGroup>(RECORDING_GROUP_KIND, tenant)) {
      const key = `${tenant}\u0000vigil-api\u0000${d.body.name}`;
      out.push({ name: d.body.name, file: 'vigil-api', intervalSeconds: d.body.intervalSeconds, alarms: [], recording: d.body.rules.map((r) => status(key, r)) });
    }
    return out;
  }
}

async function expandPaths(paths: string[], errors: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) {
        for (const name of (await readdir(p)).sort()) if (/\.ya?ml$/.test(name)) out.push(join(p, name));
      } else out.push(p);
    } catch (err) {
      errors.push(`${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return out;
}

type Ctx = Context<{ Variables: AppVariables }>;

/**
 * `POST /api/v1/rules/import` (a Prometheus rule file as YAML; `?file=` names it in messages) and
 * `DELETE /api/v1/rules/groups/:name` (an imported recording group).
 */
export function rulesImportApi(rules: () => RuleManager) {
  const app = new Hono<{ Variables: AppVariables }>();
  app.post('/import', requireScope('admin'), async (c: Ctx) => {
    const text = await c.req.text();
    if (text.trim() === '') throw badData('the request body must be a Prometheus rule file (YAML)');
    const file = c.req.query('file') ?? 'import.yml';
    const result = await rules().import(c.get('auth').tenant, text, file);
    return c.json({ status: 'success', data: result });
  });
  app.delete('/groups/:name', requireScope('admin'), async (c: Ctx) => {
    const name = c.req.param('name') ?? '';
    const ok = await rules().deleteGroup(c.get('auth').tenant, name);
    if (!ok) throw new HttpError('not_found', `recording rule group ${JSON.stringify(name)} does not exist`);
    return c.body(null, 204);
  });
  return app;
}
