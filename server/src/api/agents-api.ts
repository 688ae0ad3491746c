import { type IndexedSeries, labelsToObject } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import type { StorageHandle } from '../storage-handle.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** An agent as `/api/v1/agents` shows it. */
export interface AgentInfo {
  host: string;
  lastSeen: string;
  /** Seconds since the last heartbeat sample. */
  ageSeconds: number;
  version: string | null;
  /** Static labels the agent stamps on everything (`group`, `team`...). */
  labels: Record<string, string>;
  /** From `node_uname_info`: sysname, release, machine, nodename, ... */
  facts: Record<string, string>;
}

const HEARTBEAT_LABELS_IGNORED = new Set(['__name__', 'host', 'job', 'instance']);

/**
 * `GET /api/v1/agents`: the hosts running `vigil-agent` in the caller's tenant, from the series
 * the agent ships every interval (`vigil_agent_up` heartbeat, `vigil_agent_build_info{version}`,
 * `node_uname_info`). Nothing is registered: an agent appears with its first samples and its
 * `lastSeen` ages when they stop.
 */
export function agentsApi(storage: () => StorageHandle, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  app.get('/', requireScope('query'), (c: Ctx) => {
    const tenant = c.get('auth').tenant;
    const metrics = storage().metrics;
    const byName = (name: string) => metrics.selectSeries(tenant, [{ name: '__name__', op: '=', value: name }]);
    const hostOf = (s: IndexedSeries) => s.labels.find((l) => l.name === 'host')?.value;
    const agents = new Map<string, AgentInfo & { lastMs: number }>();
    for (const s of byName('vigil_agent_up')) {
      const host = hostOf(s);
      if (!host) continue;
      const prev = agents.get(host);
      if (prev && prev.lastMs >= s.maxTs) continue;
      const labels: Record<string, string> = {};
      for (const l of s.labels) if (!HEARTBEAT_LABELS_IGNORED.has(l.name)) labels[l.name] = l.value;
      agents.set(host, {
        host,
        lastMs: s.maxTs,
        lastSeen: new Date(s.maxTs).toISOString(),
        ageSeconds: Math.max(0, Math.round((now() - s.maxTs) / 1000)),
        version: prev?.version ?? null,
        labels,
        facts: prev?.facts ?? {},
      });
    }
    const newest = (name: string, apply: (a: AgentInfo, labels: Record<string, string>) => void) => {
      const best = new Map<string, IndexedSeries>();
      for (const s of byName(name)) {
        const host = hostOf(s);
        if (host && (!best.has(host) || best.get(host)!.maxTs < s.maxTs)) best.set(host, s);
      }
      for (const [host, s] of best) {
        const a = agents.get(host);
        if (a) apply(a, labelsToObject(s.labels));
      }
    };
    newest('vigil_agent_build_info', (a, l) => {
      a.version = l.version ?? null;
    });
    newest('node_uname_info', (a, l) => {
      const facts: Record<string, string> = {};
      for (const [k, v] of Object.entries(l)) if (!HEARTBEAT_LABELS_IGNORED.has(k) && !(k in a.labels)) facts[k] = v;
      a.facts = facts;
    });
    const data = [...agents.values()]
      .sort((x, y) => (x.host < y.host ? -1 : 1))
      .map(({ lastMs: _drop, ...a }) => a);
    return c.json({ status: 'success', data });
  });
  return app;
}
