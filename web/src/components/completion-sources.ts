import { useEffect, useState } from 'preact/hooks';
import { currentTenant } from '../api/client';
import { getVocabulary, lokiLabelValues, lokiLabels, metricNames, promLabelValues, promLabels } from '../api/endpoints';
import type { CompletionContext, CompletionSources } from '../lib/completion';
import type { QueryLanguage } from '../lib/query-tokenizer';

/** What the editor needs looked up for the completion context at its cursor. */
export interface SourceNeeds {
  ctx: CompletionContext;
  lang: QueryLanguage;
  startMs?: number;
  endMs?: number;
}

const EMPTY: CompletionSources = { functions: [], aggregations: [], keywords: [], stages: [], metrics: [], labels: [], values: [] };

/** How long looked-up names are reused, ms: typing must not send a request per key. */
const TTL_MS = 30_000;
const cache = new Map<string, { atMs: number; value: Promise<string[]> }>();

/** A cached lookup per tenant (a root session that switches tenant must not see the other's names). */
function cached(key: string, load: () => Promise<string[]>): Promise<string[]> {
  const k = `${currentTenant() ?? ''}\u0000${key}`;
  const hit = cache.get(k);
  if (hit && Date.now() - hit.atMs < TTL_MS) return hit.value;
  const value = load().catch(() => [] as string[]);
  cache.set(k, { atMs: Date.now(), value });
  if (cache.size > 200) cache.delete(cache.keys().next().value!);
  return value;
}

/**
 * Loads what completion needs for `needs` (the vocabulary once; metric names, label names or
 * values of the range as the context asks) and returns the sources, updated as answers arrive.
 */
export function useCompletionSources(needs: SourceNeeds | undefined): CompletionSources {
  const [sources, setSources] = useState<CompletionSources>(EMPTY);
  const kind = needs?.ctx.kind;
  const metric = needs?.ctx.metric;
  const label = needs?.ctx.label;
  const lang = needs?.lang;
  // Round the range to a minute so the cache key holds while the user types.
  const startMs = needs?.startMs === undefined ? undefined : Math.floor(needs.startMs / 60_000) * 60_000;
  const endMs = needs?.endMs === undefined ? undefined : Math.ceil(needs.endMs / 60_000) * 60_000;

  useEffect(() => {
    if (!kind || kind === 'none' || !lang) return;
    let live = true;
    const set = (patch: Partial<CompletionSources>) => {
      if (live) setSources((s) => ({ ...s, ...patch }));
    };
    getVocabulary()
      .then((v) =>
        set(
          lang === 'promql'
            ? { functions: v.promql.functions, aggregations: v.promql.aggregations, keywords: v.promql.keywords, stages: [] }
            : { functions: v.logql.rangeAggregations, aggregations: v.logql.vectorAggregations, keywords: v.logql.keywords, stages: v.logql.stages },
        ),
      )
      .catch(() => undefined);
    const range = `${startMs}:${endMs}`;
    if (kind === 'metric-or-function' && lang === 'promql') {
      cached(`metrics:${range}`, () => metricNames(startMs, endMs)).then((metrics) => set({ metrics }));
    }
    if (kind === 'label-name' || kind === 'stage') {
      const load =
        lang === 'promql'
          ? () => promLabels(metric, startMs, endMs)
          : () => lokiLabels(startMs, endMs);
      cached(`${lang}:labels:${metric ?? ''}:${range}`, load).then((labels) => set({ labels }));
    }
    if (kind === 'label-value' && label) {
      const load =
        lang === 'promql'
          ? () => promLabelValues(label, metric, startMs, endMs)
          : () => lokiLabelValues(label, startMs, endMs);
      set({ values: [] });
      cached(`${lang}:values:${label}:${metric ?? ''}:${range}`, load).then((values) => set({ values }));
    }
    return () => {
      live = false;
    };
  }, [kind, metric, label, lang, startMs, endMs]);
  return sources;
}
