import { type CommittedStream, type DocumentStore, type LogStore, type MetricStore, labelsToObject } from '@vigil/storage';
import type { Logger } from '../log.js';
import { type CompiledLogPipeline, FilterAccumulator } from './accumulator.js';
import type { MetricFilterDefinition } from './definition.js';

/** Document kind under which filters are stored. */
export const METRIC_FILTER_KIND = 'metric-filter';

/** Compiles a LogQL log query into the pipeline a filter runs; throws with a message on bad syntax. */
export type PipelineCompiler = (query: string) => CompiledLogPipeline;

/** Options of the {@link MetricFilterService}. */
export interface MetricFilterServiceOptions {
  /** How long after an interval ends it is written (late lines still count), ms. @default 15_000 */
  graceMs?: number;
  /** How often finished intervals are written, ms. @default 5_000 */
  flushEveryMs?: number;
  now?: () => number;
}

/**
 * Runs every tenant's metric filters over log lines as they are committed, and writes the
 * resulting samples into the metric store; backfills a filter over stored logs with the same code.
 *
 * Durability: the lines are durable before filters see them; the per-interval sums live in memory
 * until written (at most interval + grace later). After a crash the intervals in flight are
 * missing or partial; a backfill over that range rewrites them exactly (same timestamps).
 */
export class MetricFilterService {
  private readonly active = new Map<string, Map<string, FilterAccumulator>>();
  private readonly graceMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    docs: DocumentStore,
    private readonly logs: LogStore,
    private readonly metrics: MetricStore,
    private readonly compile: PipelineCompiler,
    private readonly log: Logger,
    options: MetricFilterServiceOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 15_000;
    this.now = options.now ?? Date.now;
    for (const d of docs.list<MetricFilterDefinition>(METRIC_FILTER_KIND)) this.activate(d.tenant, d.body);
    this.timer = setInterval(() => void this.flush().catch((err) => log.error('metric filter flush failed', { err })), options.flushEveryMs ?? 5_000);
    this.timer.unref();
  }

  /** Starts (or restarts) running a filter; the caller has validated and compiled it. */
  activate(tenant: string, def: MetricFilterDefinition): void {
    let pipeline: CompiledLogPipeline;
    try {
      pipeline = this.compile(def.query);
    } catch (err) {
      this.log.error('stored metric filter no longer compiles; it is not run', { tenant, filter: def.name, err: String(err) });
      return;
    }
    let m = this.active.get(tenant);
    if (!m) {
      m = new Map();
      this.active.set(tenant, m);
    }
    m.set(def.name, new FilterAccumulator(def, pipeline));
  }

  /** Stops running a filter (its pending intervals are dropped). */
  deactivate(tenant: string, name: string): void {
    this.active.get(tenant)?.delete(name);
  }

  /** Feeds committed lines of `tenant` to its filters; never throws. */
  observe(tenant: string, streams: ReadonlyArray<Pick<CommittedStream, 'labels' | 'entries'>>): void {
    const filters = this.active.get(tenant);
    if (!filters || filters.size === 0) return;
    for (const s of streams) {
      const labels = labelsToObject(s.labels);
      for (const f of filters.values()) {
        try {
          f.add(labels, s.entries);
        } catch (err) {
          this.log.warn('metric filter failed on a line batch', { tenant, filter: f.def.name, err: String(err) });
        }
      }
    }
  }

  /** Writes every finished interval of every filter. */
  async flush(force = false): Promise<number> {
    const now = this.now();
    let written = 0;
    for (const [tenant, filters] of this.active) {
      for (const f of filters.values()) {
        const samples = f.take(force ? Number.POSITIVE_INFINITY : now - this.graceMs, now);
        if (samples.length === 0) continue;
        const r = await this.metrics.append(tenant, samples);
        written += r.samplesWritten;
      }
    }
    return written;
  }

  /**
   * Runs `def` over `tenant`'s stored logs in `[fromMs, toMs)` and writes its samples, exactly as
   * live ingest would have. Returns the number of lines read and samples written.
   */
  async backfill(tenant: string, def: MetricFilterDefinition, fromMs: number, toMs: number, signal?: AbortSignal): Promise<{ lines: number; samples: number }> {
    const acc = new FilterAccumulator(def, this.compile(def.query), Number.POSITIVE_INFINITY);
    const sliceMs = 3_600_000;
    let lines = 0;
    for (let start = fromMs; start < toMs; start += sliceMs) {
      signal?.throwIfAborted();
      const end = Math.min(toMs, start + sliceMs);
      const streams = await this.logs.logSource(tenant).selectLogs({
        matchers: acc.pipeline.streamMatchers,
        startNs: BigInt(start) * 1_000_000n,
        endNs: BigInt(end) * 1_000_000n,
        direction: 'forward',
        limit: 0,
        signal,
      });
      for (const s of streams) {
        acc.add(s.labels, s.entries);
        lines += s.entries.length;
      }
    }
    const samples = acc.take(Number.POSITIVE_INFINITY, this.now());
    const r = samples.length > 0 ? await this.metrics.append(tenant, samples) : { samplesWritten: 0 };
    return { lines, samples: r.samplesWritten };
  }

  /** Stops the flush timer after writing what is finished. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush().catch(() => undefined);
  }
}
