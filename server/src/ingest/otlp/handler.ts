import type { Label, SeriesSamples, StreamEntries } from '@vigil/storage';
import type { Context } from 'hono';
import { limitsFor } from '../../config/config.js';
import { HttpError, badData, isHttpError } from '../../errors.js';
import { decodeContentEncoding } from '../decompress.js';
import type { IngestContext } from '../ingest-context.js';
import { MAX_LISTED_PROBLEMS } from '../problems.js';
import { type LabelShape, checkLabelLimits, checkLabelShape, formatLabels } from '../validate-labels.js';
import { decodeLogsJson, decodeMetricsJson } from './decode-json.js';
import { decodeLogsProtobuf, decodeMetricsProtobuf } from './decode-protobuf.js';
import { DeltaAccumulator } from './delta-accumulator.js';
import { otlpLogsToStreams } from './logs-to-streams.js';
import { SeriesLabelCache, otlpMetricsToSeries } from './metrics-to-series.js';
import { type OtlpResourceMetrics, isOtlpDecodeError } from './model.js';
import { readRequestBody } from '../read-body.js';
import { type OtlpFormat, otlpError, otlpFormatOf, otlpSuccess } from './response.js';

const NS_PER_MS = 1_000_000n;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * What an OTLP request could not store. OTLP reports these in `partial_success` with a 200 (the
 * client must not retry data that will never be accepted), unlike remote_write's 400.
 */
class Rejections {
  count = 0;
  private readonly listed: string[] = [];
  private problems = 0;

  constructor(private readonly inc: (reason: string, n: number) => void) {}

  add(reason: string, items: number, text: string): void {
    this.inc(reason, items);
    this.count += items;
    this.problems++;
    if (this.listed.length < MAX_LISTED_PROBLEMS) this.listed.push(text);
  }

  message(): string {
    const more = this.problems > this.listed.length ? `; and ${this.problems - this.listed.length} more problems` : '';
    return this.listed.join('; ') + more;
  }
}

/**
 * Runs `work` and turns any {@link HttpError} (including 400s for undecodable bodies) into an
 * OTLP `Status` answer in the request's encoding. Other errors (storage failures) go on to the
 * app's `onError`.
 */
async function answering(c: Context, work: (format: OtlpFormat) => Promise<Response>): Promise<Response> {
  const format = otlpFormatOf(c.req.header('content-type'));
  if (!format) {
    return otlpError(
      'json',
      new HttpError('unsupported_media_type', `unsupported Content-Type ${JSON.stringify(c.req.header('content-type') ?? '')}; OTLP/HTTP uses application/x-protobuf or application/json`),
    );
  }
  try {
    return await work(format);
  } catch (err) {
    if (isHttpError(err)) return otlpError(format, err);
    if (isOtlpDecodeError(err)) return otlpError(format, badData(err.message));
    throw err;
  }
}

/** Reads and decompresses the body within the configured limits (413 past them, also for gzip bombs). */
async function readOtlpBody(ctx: IngestContext, c: Context): Promise<Buffer> {
  const body = await readRequestBody(c, ctx.config.maxRequestBytes);
  const encoding = c.req.header('content-encoding');
  if (encoding !== undefined && !['', 'gzip', 'x-gzip', 'identity'].includes(encoding.trim().toLowerCase())) {
    throw new HttpError('unsupported_media_type', `unsupported Content-Encoding ${JSON.stringify(encoding)}; OTLP/HTTP uses gzip or none`);
  }
  return decodeContentEncoding(body, encoding, ctx.config.maxDecompressedBytes, ctx.config.maxDecompressionRatio);
}

/**
 * Handles `POST /v1/metrics` (OTLP/HTTP, protobuf or JSON, gzip or none). Metrics become
 * Prometheus series by the OpenTelemetry compatibility rules ({@link otlpMetricsToSeries}).
 * Answers 200 with an `ExportMetricsServiceResponse` in the request's encoding, carrying
 * `partial_success` when some points were rejected; errors are `google.rpc.Status` bodies with
 * 400 (bad data), 413 (too large), 415 (other content type), 429/503 with `Retry-After`.
 *
 * Delta sums and histograms are accumulated in memory across requests of the same tenant.
 *
 * @example
 * app.post('/v1/metrics', requireScope('ingest'), createOtlpMetricsHandler(ingest));
 */
export function createOtlpMetricsHandler(ctx: IngestContext, options: { maxDeltaSeries?: number } = {}) {
  const deltas = new DeltaAccumulator(options.maxDeltaSeries);
  // Label sets of points seen before (by context and interned attribute list), and each label
  // set's validation with the store's series reference, so a repeated series is neither rebuilt,
  // re-checked nor looked up in the index again.
  const labelCache = new SeriesLabelCache();
  const shapes = new WeakMap<readonly Label[], LabelShape>();
  return (c: Context): Promise<Response> =>
    answering(c, async (format) => {
      const { tenant } = ctx.begin(c);
      ctx.refuseWhileExhausted(tenant, 'samples');
      const plain = await readOtlpBody(ctx, c);
      const resources = format === 'json' ? decodeMetricsJson(plain) : decodeMetricsProtobuf(plain);
      const limits = limitsFor(ctx.config, tenant);
      const now = ctx.now();
      // Admission comes before conversion: conversion adds delta points to running totals, and a
      // 429 after that would count them twice when the client retries.
      ctx.admit(tenant, estimateSamples(resources), limits);
      const converted = otlpMetricsToSeries(resources, { nowMs: now, deltas, tenant, cache: labelCache });

      const rejections = new Rejections((reason, n) => ctx.metrics.discardedSamples.inc({ reason }, n));
      for (const d of converted.dropped) rejections.add(d.reason, d.points, d.text);
      const minTs = limits.maxSampleAgeMs > 0 ? now - limits.maxSampleAgeMs : Number.NEGATIVE_INFINITY;
      const maxTs = now + limits.creationGracePeriodMs;
      const batch: SeriesSamples[] = [];
      for (const s of converted.series) {
        let shape = shapes.get(s.labels);
        if (!shape) {
          shape = checkLabelShape([...s.labels]);
          shapes.set(s.labels, shape);
        }
        const invalid = shape.error ?? checkLabelLimits(shape, limits);
        if (invalid) {
          rejections.add('invalid_labels', s.values.length, `series ${formatLabels(s.labels)}: ${invalid}`);
          continue;
        }
        const times = s.timestampsMs;
        let inRange = true;
        for (let i = 0; i < times.length; i++) {
          const t = times[i]!;
          if (t < minTs || t > maxTs) {
            inRange = false;
            break;
          }
        }
        if (inRange) {
          // The common case: every sample is kept, nothing to filter. (Written out: an object
          // spread here was a tenth of the handler's own time.)
          const { labels, timestampsMs, values, stale } = s;
          batch.push(stale === undefined ? { labels, timestampsMs, values, ref: shape.ref } : { labels, timestampsMs, values, stale, ref: shape.ref });
          continue;
        }
        const keep: number[] = [];
        for (let i = 0; i < s.timestampsMs.length; i++) {
          const t = s.timestampsMs[i]!;
          if (t < minTs) rejections.add('sample_too_old', 1, `series ${formatLabels(s.labels)}: sample timestamp ${new Date(t).toISOString()} is too old`);
          else if (t > maxTs) rejections.add('sample_too_new', 1, `series ${formatLabels(s.labels)}: sample timestamp ${new Date(t).toISOString()} is too far in the future`);
          else keep.push(i);
        }
        if (keep.length === s.values.length) batch.push({ ...s, ref: shape.ref });
        else if (keep.length > 0) {
          batch.push({
            labels: s.labels,
            timestampsMs: keep.map((i) => s.timestampsMs[i]!),
            values: keep.map((i) => s.values[i]!),
            ...(s.stale ? { stale: keep.map((i) => s.stale![i]!) } : {}),
          });
        }
      }
      const result = await ctx.append(tenant, batch, limits);
      for (const r of result.rejected) {
        const s = batch[r.index]!;
        rejections.add('series_limit', s.values.length, `series ${formatLabels(s.labels)}: ${r.message}`);
      }
      ctx.metrics.ingestedSamples.inc({ protocol: 'otlp' }, result.samplesWritten);
      return otlpSuccess(format, rejections.count, rejections.message(), 'rejectedDataPoints');
    });
}

/**
 * Handles `POST /v1/logs` (OTLP/HTTP, protobuf or JSON, gzip or none). Records become Loki-style
 * streams ({@link otlpLogsToStreams}): `service_name`, promoted resource attributes and `level`
 * as labels, everything else as structured metadata, the body as the line. Answers as
 * {@link createOtlpMetricsHandler} does, with `rejected_log_records`.
 *
 * @example
 * app.post('/v1/logs', requireScope('ingest'), createOtlpLogsHandler(ingest));
 */
export function createOtlpLogsHandler(ctx: IngestContext) {
  return (c: Context): Promise<Response> =>
    answering(c, async (format) => {
      const { tenant } = ctx.begin(c);
      ctx.refuseWhileExhausted(tenant, 'logs');
      const plain = await readOtlpBody(ctx, c);
      const resources = format === 'json' ? decodeLogsJson(plain.toString('utf8')) : decodeLogsProtobuf(plain);
      const limits = limitsFor(ctx.config, tenant);
      const nowMs = ctx.now();
      const streams = otlpLogsToStreams(resources, BigInt(nowMs) * NS_PER_MS);
      let bytes = 0;
      let lines = 0;
      for (const s of streams) {
        for (const e of s.entries) bytes += e.line.length;
        lines += s.entries.length;
      }
      ctx.admitLogBytes(tenant, bytes, lines, limits);

      const rejections = new Rejections((reason, n) => ctx.metrics.discardedLogLines.inc({ reason }, n));
      const minNs = limits.maxLogAgeMs > 0 ? BigInt(nowMs - limits.maxLogAgeMs) * NS_PER_MS : -1n;
      const maxNs = BigInt(nowMs + limits.creationGracePeriodMs) * NS_PER_MS;
      const batch: StreamEntries[] = [];
      for (const s of streams) {
        const bad = streamLabelProblem(s.labels, limits.maxStreamLabels, limits.maxLabelNameLength, limits.maxLabelValueLength);
        if (bad) {
          rejections.add('invalid_labels', s.entries.length, `stream ${formatLabels(s.labels)}: ${bad}`);
          continue;
        }
        const entries = s.entries.filter((e) => {
          const size = Buffer.byteLength(e.line, 'utf8');
          if (size > limits.maxLineBytes) {
            rejections.add('line_too_long', 1, `stream ${formatLabels(s.labels)}: line of ${size} bytes is over the limit of ${limits.maxLineBytes} bytes`);
            return false;
          }
          if (e.tsNs > maxNs) {
            rejections.add('too_far_in_future', 1, `stream ${formatLabels(s.labels)}: record timestamp ${e.tsNs} is too far in the future`);
            return false;
          }
          if (e.tsNs < minNs) {
            rejections.add('too_old', 1, `stream ${formatLabels(s.labels)}: record timestamp ${e.tsNs} is older than the limit of ${limits.maxLogAgeMs / 3_600_000}h`);
            return false;
          }
          return true;
        });
        if (entries.length > 0) batch.push({ labels: s.labels, entries });
      }
      const result = await ctx.appendLogs(tenant, batch, limits);
      for (const r of result.rejected) {
        const s = batch[r.index]!;
        rejections.add('stream_limit', s.entries.length, `stream ${formatLabels(s.labels)}: ${r.message}`);
      }
      ctx.metrics.ingestedLogLines.inc({ protocol: 'otlp' }, result.entriesWritten);
      ctx.metrics.ingestedLogBytes.inc({ protocol: 'otlp' }, result.bytesWritten);
      return otlpSuccess(format, rejections.count, rejections.message(), 'rejectedLogRecords');
    });
}

/** Samples a request will produce: one per number point, buckets + 3 per histogram, quantiles + 2 per summary. */
function estimateSamples(resources: readonly OtlpResourceMetrics[]): number {
  let n = 0;
  for (const r of resources) {
    for (const s of r.scopes) {
      for (const m of s.metrics) {
        const d = m.data;
        if (d.type === 'gauge' || d.type === 'sum') n += d.points.length;
        else if (d.type === 'histogram') for (const p of d.points) n += p.bounds.length + 3;
        else if (d.type === 'summary') for (const p of d.points) n += p.quantiles.length + 2;
      }
    }
  }
  return n;
}

function streamLabelProblem(labels: readonly { name: string; value: string }[], maxLabels: number, maxName: number, maxValue: number): string | undefined {
  if (labels.length > maxLabels) return `stream has ${labels.length} labels, over the limit of ${maxLabels}`;
  for (const l of labels) {
    if (!LABEL_NAME_RE.test(l.name)) return `invalid label name ${JSON.stringify(l.name)}`;
    if (l.name.length > maxName) return `label name longer than the limit of ${maxName} bytes`;
    if (l.value.length > maxValue) return `label value longer than the limit of ${maxValue} bytes`;
  }
  return undefined;
}
