import type { Label, SeriesSamples } from '@vigil/storage';
import type { Context } from 'hono';
import { limitsFor } from '../../config/config.js';
import { HttpError, badData } from '../../errors.js';
import { decodeContentEncoding } from '../decompress.js';
import type { IngestContext } from '../ingest-context.js';
import { IngestProblems } from '../problems.js';
import { readRequestBody } from '../read-body.js';
import { checkLabelLimits, checkLabelShape, formatLabels } from '../validate-labels.js';
import { CollectdDecodeError, decodeCollectdJson } from './decode.js';
import { formatTimestampMs } from '../format-time.js';

/**
 * Handles `POST /collectd` from collectd's `write_http` plugin with `Format "JSON"` (collectd
 * authenticates with `User`/`Password`: the key as password). Value lists become series named
 * `collectd_<plugin>_<type>[_<dsname>]`; `null` values are skipped; bad value lists are listed in
 * a 400 after the good ones are stored; otherwise 204. The default `Format "Command"` (PUTVAL
 * text) is refused with 415 naming the setting to change.
 *
 * @example
 * app.post('/collectd', requireScope('ingest'), createCollectdHandler(ingest));
 */
export function createCollectdHandler(ctx: IngestContext) {
  return async (c: Context): Promise<Response> => {
    const { tenant } = ctx.begin(c);
    ctx.refuseWhileExhausted(tenant, 'samples');
    const cfg = ctx.config;
    const type = (c.req.header('content-type') ?? 'application/json').toLowerCase();
    if (!type.startsWith('application/json')) {
      throw new HttpError('unsupported_media_type', `unsupported Content-Type ${JSON.stringify(type)}; set Format "JSON" in collectd's write_http node`);
    }
    const body = await readRequestBody(c, cfg.maxRequestBytes);
    const plain = await decodeContentEncoding(body, c.req.header('content-encoding'), cfg.maxDecompressedBytes, cfg.maxDecompressionRatio);
    let decoded: ReturnType<typeof decodeCollectdJson>;
    try {
      decoded = decodeCollectdJson(plain.toString('utf8'));
    } catch (err) {
      if (err instanceof CollectdDecodeError) throw badData(`cannot decode collectd JSON: ${err.message}`);
      throw err;
    }
    const limits = limitsFor(cfg, tenant);
    ctx.admit(tenant, decoded.samples.length, limits);
    if (decoded.nulls > 0) ctx.metrics.discardedSamples.inc({ reason: 'null_value' }, decoded.nulls);

    const problems = new IngestProblems(ctx.metrics.discardedSamples, 'value lists or samples');
    for (const p of decoded.problems) problems.add('invalid', p.values, p.message);

    const now = ctx.now();
    const minTs = limits.maxSampleAgeMs > 0 ? now - limits.maxSampleAgeMs : Number.NEGATIVE_INFINITY;
    const maxTs = now + limits.creationGracePeriodMs;
    const bySeries = new Map<string, { labels: Label[]; ts: number[]; vals: number[] }>();
    for (const s of decoded.samples) {
      if (s.timestampMs < minTs || s.timestampMs > maxTs) {
        const old = s.timestampMs < minTs;
        problems.add(old ? 'sample_too_old' : 'sample_too_new', 1, `series ${formatLabels(s.labels)}: timestamp ${formatTimestampMs(s.timestampMs)} is ${old ? 'too old' : 'too far in the future'}`);
        continue;
      }
      let key = '';
      for (const l of s.labels) key += `${l.name}\u0000${l.value}\u0001`;
      let e = bySeries.get(key);
      if (!e) {
        e = { labels: s.labels, ts: [], vals: [] };
        bySeries.set(key, e);
      }
      e.ts.push(s.timestampMs);
      e.vals.push(s.value);
    }
    const batch: SeriesSamples[] = [];
    for (const e of bySeries.values()) {
      const shape = checkLabelShape(e.labels);
      const invalid = shape.error ?? checkLabelLimits(shape, limits);
      if (invalid) problems.add('invalid_labels', e.vals.length, `series ${formatLabels(e.labels)}: ${invalid}`);
      else batch.push({ labels: e.labels, timestampsMs: e.ts, values: e.vals });
    }
    const result = await ctx.append(tenant, batch, limits);
    for (const r of result.rejected) {
      const s = batch[r.index]!;
      problems.add('series_limit', s.values.length, `series ${formatLabels(s.labels)}: ${r.message}`);
    }
    ctx.metrics.ingestedSamples.inc({ protocol: 'collectd' }, result.samplesWritten);
    problems.throwIfAny(`${result.samplesWritten} valid samples stored`);
    return c.body(null, 204);
  };
}
