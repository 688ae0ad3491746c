import type { Label, MetricMetadata, SeriesSamples } from '@vigil/storage';
import type { Context } from 'hono';
import { limitsFor } from '../../config/config.js';
import { badData } from '../../errors.js';
import type { IngestContext } from '../ingest-context.js';
import { IngestProblems } from '../problems.js';
import { ProtobufError } from '../protobuf-reader.js';
import { readRequestBody } from '../read-body.js';
import { decompressSnappyBlock } from '../snappy-block.js';
import { type LabelShape, checkLabelLimits, checkLabelShape, formatLabels } from '../validate-labels.js';
import { METRIC_TYPE_NAMES, type RawSeries, decodeLabel, decodeWriteRequest } from './decode.js';
import { formatTimestampMs } from '../format-time.js';
import { hashBytes } from '../hash-bytes.js';

/** Label sets remembered by their raw bytes; cleared when full. */
const LABEL_CACHE_SIZE = 200_000;

/** Longest collision chain kept per hash; past it new label sets are decoded but not cached. */
const MAX_CHAIN = 8;

/** A cached label set with the exact bytes it was decoded from. */
interface CachedShape {
  bytes: Buffer;
  shape: LabelShape;
  next: CachedShape | undefined;
}

/**
 * Handles `POST /api/v1/write` (Prometheus remote_write 1.0): snappy block + protobuf. Valid
 * series are stored even when others in the same request are invalid; the answer is then 400
 * naming each invalid series and why (as Mimir does), otherwise 204.
 */
export function createRemoteWriteHandler(ctx: IngestContext) {
  // Label sets seen before, by a hash of their raw bytes (collisions chained and compared byte
  // for byte), so a series sent again costs one hash and one memcmp instead of decoding strings.
  const labelCache = new Map<number, CachedShape>();

  const shapeOf = (body: Buffer, s: RawSeries): LabelShape => {
    const start = Math.max(0, s.labelsStart);
    const end = Math.max(start, s.labelsEnd);
    const h = hashBytes(body, start, end);
    let chain = 0;
    for (let c = labelCache.get(h); c; c = c.next) {
      if (c.bytes.length === end - start && body.compare(c.bytes, 0, c.bytes.length, start, end) === 0) return c.shape;
      chain++;
    }
    const labels: Label[] = [];
    for (let i = 0; i < s.labelRanges.length; i += 2) {
      labels.push(decodeLabel(body, s.labelRanges[i]!, s.labelRanges[i + 1]!));
    }
    const shape = checkLabelShape(labels);
    if (chain >= MAX_CHAIN) return shape;
    if (labelCache.size >= LABEL_CACHE_SIZE) labelCache.clear();
    labelCache.set(h, { bytes: Buffer.from(body.subarray(start, end)), shape, next: labelCache.get(h) });
    return shape;
  };

  return async (c: Context): Promise<Response> => {
    const { tenant, storage } = ctx.begin(c);
    ctx.refuseWhileExhausted(tenant, 'samples');
    const cfg = ctx.config;
    const compressed = await readRequestBody(c, cfg.maxRequestBytes);
    const body = decompressSnappyBlock(compressed, cfg.maxDecompressedBytes);
    let decoded: ReturnType<typeof decodeWriteRequest>;
    try {
      decoded = decodeWriteRequest(body);
    } catch (err) {
      if (err instanceof ProtobufError) throw badData(`cannot decode remote_write protobuf: ${err.message}`);
      throw err;
    }
    const limits = limitsFor(cfg, tenant);
    ctx.admit(tenant, decoded.samples.length, limits);

    const now = ctx.now();
    const minTs = limits.maxSampleAgeMs > 0 ? now - limits.maxSampleAgeMs : -Infinity;
    const maxTs = now + limits.creationGracePeriodMs;
    const problems = new IngestProblems(ctx.metrics.discardedSamples, 'series or samples');
    const problem = problems.add.bind(problems);
    const batch: SeriesSamples[] = [];
    for (let index = 0; index < decoded.series.length; index++) {
      const s = decoded.series[index]!;
      if (s.histograms > 0) {
        problem('native_histogram', s.histograms, `native histograms are not supported (${s.histograms} dropped)`);
      }
      if (s.values.length === 0) continue;
      let shape: LabelShape;
      try {
        shape = shapeOf(body, s);
      } catch (err) {
        // Labels are decoded lazily, here rather than in decodeWriteRequest, so their errors
        // (a name or value that is not UTF-8) surface here: that series is invalid, not the server.
        if (!(err instanceof ProtobufError)) throw err;
        problem('invalid_labels', s.values.length, `series #${index}: cannot decode its labels: ${err.message}`);
        continue;
      }
      const invalid = shape.error ?? checkLabelLimits(shape, limits);
      if (invalid) {
        problem('invalid_labels', s.values.length, `series ${formatLabels(shape.labels)}: ${invalid}`);
        continue;
      }
      let keep: number[] | undefined;
      for (let i = 0; i < s.timestampsMs.length; i++) {
        const t = s.timestampsMs[i]!;
        if (t < minTs || t > maxTs) {
          keep ??= Array.from({ length: i }, (_, k) => k);
          const why = t < minTs ? 'too old' : 'too far in the future';
          problem(
            t < minTs ? 'sample_too_old' : 'sample_too_new',
            1,
            `series ${formatLabels(shape.labels)}: sample timestamp ${formatTimestampMs(t)} is ${why}`,
          );
        } else if (keep) keep.push(i);
      }
      if (!keep) {
        batch.push({ labels: shape.labels, timestampsMs: s.timestampsMs, values: s.values, stale: s.stale, ref: shape.ref });
      } else if (keep.length > 0) {
        batch.push({
          labels: shape.labels,
          timestampsMs: keep.map((i) => s.timestampsMs[i]!),
          values: keep.map((i) => s.values[i]!),
          stale: keep.map((i) => s.stale[i]!),
        });
      }
    }
    const metadata = new Map<string, MetricMetadata>();
    for (const m of decoded.metadata) {
      if (m.metricFamilyName === '') continue;
      metadata.set(m.metricFamilyName, { type: METRIC_TYPE_NAMES[m.type] ?? 'unknown', help: m.help, unit: m.unit });
    }
    // Only what is needed after the commit stays referenced across the await: the decoded body
    // and its sample arrays (already copied by the store) can be collected while the commit runs,
    // instead of surviving into the old generation under load.
    const sizes = batch.map((b) => b.values.length);
    const labelsOf = batch.map((b) => b.labels);
    const result = await ctx.append(tenant, batch, limits);
    for (const r of result.rejected) {
      problem('series_limit', sizes[r.index]!, `series ${formatLabels(labelsOf[r.index]!)}: ${r.message}`);
    }
    ctx.metrics.ingestedSamples.inc({ protocol: 'remote_write' }, result.samplesWritten);
    if (metadata.size > 0) {
      ctx.metrics.ingestedMetadata.inc(metadata.size);
      await storage.metrics.putMetadata(tenant, metadata);
    }

    problems.throwIfAny(`${result.samplesWritten} valid samples stored`);
    return c.body(null, 204);
  };
}
