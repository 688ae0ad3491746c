import { type LabelMatcher, labelsToObject } from '@vigil/storage';
import { type Context, Hono } from 'hono';
import { type AppVariables, requireScope } from '../auth/middleware.js';
import { badData } from '../errors.js';
import type { StorageHandle } from '../storage-handle.js';
import { msToNs, parseLokiTime } from '../util/loki-time.js';
import { type Params, readParams } from './params.js';
import { BUILD_INFO } from './series-api.js';
import { parseSeriesSelector } from './selector.js';

type Ctx = Context<{ Variables: AppVariables }>;
const SIX_HOURS_NS = 6n * 3_600_000_000_000n;

function range(p: Params, now: () => number): { startMs: number; endMs: number } {
  const endNs = parseLokiTime('end', p.get('end'), msToNs(now()));
  let startNs = parseLokiTime('start', p.get('start'), endNs - SIX_HOURS_NS);
  const since = p.get('since');
  if (since && p.get('start') === undefined) {
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(since);
    if (!m) throw badData('invalid parameter "since": expected a duration such as 1h');
    const unit = { ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n }[m[2] as 'ms'];
    startNs = endNs - BigInt(m[1]!) * unit;
  }
  if (endNs < startNs) throw badData('invalid parameter "end": end must not be before start');
  return { startMs: Number(startNs / 1_000_000n), endMs: Number(endNs / 1_000_000n) };
}

/** A stream selector from the `query` parameter (label browsing accepts a bare selector). */
function selectorParam(p: Params, name: string): LabelMatcher[] {
  const q = p.get(name);
  return q ? parseSeriesSelector(q, name) : [];
}

/**
 * The Loki label browsing APIs that Grafana's editor uses (`labels`, `label/:name/values`,
 * `series`, `index/stats`, `status/buildinfo`), over the caller's tenant's log streams.
 * Label lists answer in Loki's envelope `{"status":"success","data":[...]}`.
 */
export function lokiApi(storage: () => StorageHandle, now: () => number) {
  const app = new Hono<{ Variables: AppVariables }>();
  const q = requireScope('query');

  app.get('/labels', q, async (c: Ctx) => {
    const p = await readParams(c);
    const { startMs, endMs } = range(p, now);
    const names = storage().logs.labelNames(c.get('auth').tenant, selectorParam(p, 'query'), startMs, endMs);
    return c.json({ status: 'success', data: names });
  });
  app.get('/label/:name/values', q, async (c: Ctx) => {
    const p = await readParams(c);
    const { startMs, endMs } = range(p, now);
    const values = storage().logs.labelValues(c.get('auth').tenant, c.req.param('name') ?? '', selectorParam(p, 'query'), startMs, endMs);
    return c.json({ status: 'success', data: values });
  });
  app.on(['GET', 'POST'], '/series', q, async (c: Ctx) => {
    const p = await readParams(c);
    const selectors = p.all('match[]').concat(p.all('match'));
    if (selectors.length === 0) throw badData('at least one match[] argument is required');
    const { startMs, endMs } = range(p, now);
    const seen = new Map<number, Record<string, string>>();
    for (const sel of selectors) {
      for (const s of storage().logs.selectStreams(c.get('auth').tenant, parseSeriesSelector(sel), startMs, endMs)) {
        seen.set(s.id, labelsToObject(s.labels));
      }
    }
    return c.json({ status: 'success', data: [...seen.values()] });
  });
  app.get('/index/stats', q, async (c: Ctx) => {
    const p = await readParams(c);
    const { startMs, endMs } = range(p, now);
    const streams = storage().logs.selectStreams(c.get('auth').tenant, selectorParam(p, 'query'), startMs, endMs);
    const stats = await storage().logs.stats(streams, msToNs(startMs), msToNs(endMs));
    return c.json({ streams: streams.length, chunks: stats.entries > 0 ? streams.length : 0, entries: stats.entries, bytes: stats.bytes });
  });
  app.get('/status/buildinfo', q, (c: Ctx) => c.json({ ...BUILD_INFO }));
  return app;
}
