import { SampleSet } from '../metrics/sample-set.js';
import type { Labels } from '../types.js';
import { type ExpositionFormat, parseExposition } from './exposition-parser.js';
import { httpGet } from './http-get.js';

/** The `Accept` header Prometheus 2.42 sends: OpenMetrics preferred, text 0.0.4 accepted. */
export const SCRAPE_ACCEPT_HEADER =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

/** One endpoint to scrape. */
export interface ScrapeTarget {
  /** The `job` label. */
  job: string;
  /** Full URL of the metrics endpoint, e.g. `http://127.0.0.1:9100/metrics`. */
  url: string;
  /** Scrape timeout in milliseconds; also sent as `X-Prometheus-Scrape-Timeout-Seconds`. */
  timeoutMs: number;
  /** Extra target labels added to every scraped series. */
  labels: Labels;
}

/**
 * Scrapes one target the way Prometheus does and returns its samples with `job` and `instance`
 * (`host:port`) added, plus the synthetic `up`, `scrape_duration_seconds` and
 * `scrape_samples_scraped`. Never throws: a failed scrape is `up 0`, and the reason goes to
 * `onError`. Labels of the target that clash with target labels are kept as `exported_<name>`
 * (Prometheus' `honor_labels: false`).
 *
 * @example
 * const set = await scrapeTarget({ job: 'app', url: 'http://127.0.0.1:8080/metrics', timeoutMs: 10_000, labels: {} }, Date.now(), console.error);
 */
export async function scrapeTarget(
  target: ScrapeTarget,
  nowMs: number,
  onError: (err: unknown) => void,
): Promise<SampleSet> {
  const set = new SampleSet(nowMs);
  const instance = new URL(target.url).host;
  const targetLabels: Labels = { ...target.labels, job: target.job, instance };
  const started = process.hrtime.bigint(); // not performance.now(): that loads perf_hooks (≈ 0.3 MiB)
  let up = 0;
  let scraped = 0;
  try {
    const res = await httpGet(
      target.url,
      {
        Accept: SCRAPE_ACCEPT_HEADER,
        'Accept-Encoding': 'gzip',
        'User-Agent': 'vigil-agent',
        'X-Prometheus-Scrape-Timeout-Seconds': String(target.timeoutMs / 1000),
      },
      target.timeoutMs,
    );
    if (res.status !== 200) throw new Error(`server returned HTTP status ${res.status}`);
    const contentType = String(res.headers['content-type'] ?? '');
    const format: ExpositionFormat = contentType.startsWith('application/openmetrics-text') ? 'openmetrics' : 'text';
    const parsed = parseExposition(res.body.toString('utf8'), format);
    for (const s of parsed.samples) {
      const labels: Labels = {};
      for (const [k, v] of Object.entries(s.labels)) labels[k in targetLabels ? `exported_${k}` : k] = v;
      Object.assign(labels, targetLabels);
      set.samples.push({ name: s.name, labels, value: s.value, timestampMs: s.timestampMs ?? nowMs });
    }
    for (const [k, v] of parsed.meta) if (!set.meta.has(k)) set.meta.set(k, v);
    scraped = parsed.samples.length;
    up = 1;
  } catch (err) {
    onError(new Error(`scrape of ${target.job} ${target.url} failed: ${(err as Error).message}`, { cause: err }));
  }
  const durationS = Number(process.hrtime.bigint() - started) / 1e9;
  set.add('up', 'gauge', 'Whether the last scrape of the target succeeded.', targetLabels, up);
  set.add('scrape_duration_seconds', 'gauge', 'Duration of the scrape.', targetLabels, durationS);
  set.add('scrape_samples_scraped', 'gauge', 'Number of samples the target exposed.', targetLabels, scraped);
  return set;
}
