import type { AgentConfig } from './config/agent-config.js';
import { collectHost, DEFAULT_HOST_COLLECTOR_OPTIONS } from './host/host-collector.js';
import { SampleSet } from './metrics/sample-set.js';
import { scrapeTarget } from './scrape/scraper.js';
import type { Labels } from './types.js';
import { AGENT_VERSION } from './version.js';

/**
 * One collection: host metrics, every scrape target (concurrently) and the agent's heartbeat
 * (`vigil_agent_up`, `vigil_agent_build_info{version}`), all stamped `nowMs`, with the `host` label
 * and the static labels added to every series that does not carry them already (as Prometheus'
 * external labels). Never throws; failures go to `onError`.
 *
 * @example
 * const set = await collectMetrics(config, Date.now(), console.error);
 */
export async function collectMetrics(config: AgentConfig, nowMs: number, onError: (err: unknown) => void): Promise<SampleSet> {
  const set = new SampleSet(nowMs);
  const { host } = config.metrics;
  const jobs = config.metrics.scrape.flatMap((job) =>
    job.urls.map((url) => scrapeTarget({ job: job.job, url, timeoutMs: job.timeoutMs, labels: job.labels }, nowMs, onError)),
  );
  if (host.enabled) {
    await collectHost(
      set,
      { root: host.root, collectors: host.collectors, overrides: { ...host.options, statfs: DEFAULT_HOST_COLLECTOR_OPTIONS.statfs } },
      onError,
    );
  }
  for (const scraped of await Promise.all(jobs)) set.merge(scraped);
  set.add('vigil_agent_up', 'gauge', 'Always 1 while the agent runs; its absence means the host or agent is down.', {}, 1);
  set.add('vigil_agent_build_info', 'gauge', 'The agent version.', { version: AGENT_VERSION, nodejs: process.version }, 1);
  addCommonLabels(set, commonLabels(config));
  return set;
}

/** The labels every series and stream of this agent carries: `host` and the static labels. */
export function commonLabels(config: AgentConfig): Labels {
  return { ...config.labels, host: config.host };
}

/** Adds `labels` to every sample that does not already have a label of that name. */
export function addCommonLabels(set: SampleSet, labels: Labels): void {
  for (const s of set.samples) {
    for (const [k, v] of Object.entries(labels)) if (!(k in s.labels)) s.labels[k] = v;
  }
}
