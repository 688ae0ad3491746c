import { type IndexedSeries, type LabelMatcher, labelsToObject } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { AppVariables } from '../auth/middleware.js';
import { requireScope } from '../auth/middleware.js';
import { badData } from '../errors.js';
import type { StorageHandle } from '../storage-handle.js';
import { MAX_TIME_MS, MIN_TIME_MS, parseTimeParam } from '../util/time-param.js';
import { type Params, readParams } from './params.js';
import { parseSeriesSelector } from './selector.js';

type Ctx = Context<{ Variables: AppVariables }>;

/** Version facts printed by buildinfo. */
export const BUILD_INFO = {
  version: '0.1.0',
  revision: 'unknown',
  branch: 'main',
  buildUser: 'vigil',
  buildDate: '20261122-00:00:00',
  goVersion: `node${process.versions.node}`,
};

function timeRange(p: Params): { startMs: number; endMs: number } {
  const startMs = parseTimeParam('start', p.get('start'), MIN_TIME_MS);
  const endMs = parseTimeParam('end', p.get('end'), MAX_TIME_MS);
  if (endMs < startMs) throw badData('invalid parameter "end": end timestamp must not be before start time');
  return { startMs, endMs };
}

function parseLimit(p: Params, name = 'limit'): number {
  const v = p.get(name);
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw badData(`invalid parameter ${JSON.stringify(name)}: must be a non-negative integer`);
  return n;
}

/** Matchers of every `match[]`, each selector parsed (series APIs union their results). */
function matchSets(p: Params): LabelMatcher[][] {
  return p.all('match[]').map((m) => parseSeriesSelector(m));
}

function selectUnion(
  storage: StorageHandle,
  tenant: string,
  sets: LabelMatcher[][],
  startMs: number,
  endMs: number,
): IndexedSeries[] {
  if (sets.length === 1) return storage.metrics.selectSeries(tenant, sets[0]!, startMs, endMs);
  const seen = new Map<number, IndexedSeries>();
  for (const ms of sets) for (const s of storage.metrics.selectSeries(tenant, ms, startMs, endMs)) seen.set(s.id, s);
  return [...seen.values()];
}

/**
 * The Prometheus-compatible series APIs (`/series`, `/labels`, `/label/:name/values`,
 * `/metadata`, `/status/buildinfo`, `/status/tsdb`) and VictoriaMetrics' `/export`, all reading the
 * in-memory series index of the caller's tenant.
 */
export function seriesApi(storage: () => StorageHandle) {
  const app = new Hono<{ Variables: AppVariables }>();
  // Scope checks go on each route: this app is mounted at /api/v1, next to others.
  const q = requireScope('query');

  const series = async (c: Ctx) => {
    const p = await readParams(c);
    const sets = matchSets(p);
    if (sets.length === 0) throw badData('no match[] parameter provided');
    const { startMs, endMs } = timeRange(p);
    const limit = parseLimit(p);
    let out = selectUnion(storage(), c.get('auth').tenant, sets, startMs, endMs).map((s) => labelsToObject(s.labels));
    const warnings: string[] = [];
    if (limit > 0 && out.length > limit) {
      out = out.slice(0, limit);
      warnings.push('results truncated due to limit');
    }
    return c.json({ status: 'success', data: out, ...(warnings.length ? { warnings } : {}) });
  };
  app.on(['GET', 'POST'], '/series', q, series);

  const labels = async (c: Ctx) => {
    const p = await readParams(c);
    const sets = matchSets(p);
    const { startMs, endMs } = timeRange(p);
    const tenant = c.get('auth').tenant;
    const st = storage();
    let names: string[];
    const bounded = p.get('start') !== undefined || p.get('end') !== undefined;
    if (sets.length === 0 && !bounded) names = st.metrics.labelNames(tenant);
    else {
      const set = new Set<string>();
      const all = sets.length > 0 ? selectUnion(st, tenant, sets, startMs, endMs) : st.metrics.selectSeries(tenant, [], startMs, endMs);
      for (const s of all) for (const l of s.labels) set.add(l.name);
      names = [...set].sort();
    }
    const limit = parseLimit(p);
    return c.json({ status: 'success', data: limit > 0 ? names.slice(0, limit) : names });
  };
  app.on(['GET', 'POST'], '/labels', q, labels);

  app.get('/label/:name/values', q, async (c) => {
    const p = await readParams(c);
    const name = c.req.param('name');
    const sets = matchSets(p);
    const { startMs, endMs } = timeRange(p);
    const tenant = c.get('auth').tenant;
    const st = storage();
    let values: string[];
    const bounded = p.get('start') !== undefined || p.get('end') !== undefined;
    if (sets.length === 0 && !bounded) values = st.metrics.labelValues(tenant, name);
    else {
      const set = new Set<string>();
      const all = sets.length > 0 ? selectUnion(st, tenant, sets, startMs, endMs) : st.metrics.selectSeries(tenant, [], startMs, endMs);
      for (const s of all) for (const l of s.labels) if (l.name === name) set.add(l.value);
      values = [...set].sort();
    }
    const limit = parseLimit(p);
    return c.json({ status: 'success', data: limit > 0 ? values.slice(0, limit) : values });
  });

  app.get('/metadata', q, async (c) => {
    const p = await readParams(c);
    const limit = parseLimit(p);
    const perMetric = parseLimit(p, 'limit_per_metric');
    const metric = p.get('metric');
    const all = storage().metrics.metadata(c.get('auth').tenant, metric || undefined);
    const data: Record<string, Array<{ type: string; help: string; unit: string }>> = {};
    for (const name of [...all.keys()].sort()) {
      if (limit > 0 && Object.keys(data).length >= limit) break;
      const m = all.get(name)!;
      data[name] = perMetric === 0 || perMetric >= 1 ? [{ type: m.type, help: m.help, unit: m.unit }] : [];
    }
    return c.json({ status: 'success', data });
  });

  app.get('/status/buildinfo', q, (c) => c.json({ status: 'success', data: BUILD_INFO }));

  app.get('/status/tsdb', q, async (c) => {
    const p = await readParams(c);
    const limit = parseLimit(p) || 10;
    const st = storage().metrics.cardinality(c.get('auth').tenant, limit);
    return c.json({
      status: 'success',
      data: {
        headStats: {
          numSeries: st.numSeries,
          numLabelPairs: st.numLabelPairs,
          chunkCount: 0,
          minTime: st.minTimeMs ?? 0,
          maxTime: st.maxTimeMs ?? 0,
        },
        seriesCountByMetricName: st.seriesCountByMetricName,
        labelValueCountByLabelName: st.labelValueCountByLabelName,
        memoryInBytesByLabelName: [],
        seriesCountByLabelValuePair: st.seriesCountByLabelValuePair,
      },
    });
  });

  const exportRoute = async (c: Ctx) => {
    const p = await readParams(c);
    const sets = matchSets(p);
    if (sets.length === 0) throw badData('no match[] parameter provided');
    const { startMs, endMs } = timeRange(p);
    const st = storage();
    const selected = selectUnion(st, c.get('auth').tenant, sets, startMs, endMs);
    c.header('Content-Type', 'application/stream+json');
    return stream(c, async (s) => {
      // Read in slices of series so memory stays bounded for large exports.
      const SLICE = 500;
      for (let i = 0; i < selected.length; i += SLICE) {
        const data = await st.metrics.readSamples(selected.slice(i, i + SLICE), startMs, endMs);
        let out = '';
        for (const d of data) {
          const values: number[] = [];
          const timestamps: number[] = [];
          for (let k = 0; k < d.values.length; k++) {
            if (d.stale[k] === 1) continue;
            values.push(d.values[k]!);
            timestamps.push(d.timestampsMs[k]!);
          }
          if (values.length === 0) continue;
          out += `${JSON.stringify({ metric: labelsToObject(d.labels), values: values.map(jsonNumber), timestamps })}\n`;
        }
        if (out) await s.write(out);
      }
    });
  };
  app.on(['GET', 'POST'], '/export', q, exportRoute);

  return app;
}

/** JSON has no NaN/Inf: VictoriaMetrics' export prints them as strings-free numbers; we use null-safe strings. */
function jsonNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
}
