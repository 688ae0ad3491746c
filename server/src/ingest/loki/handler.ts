import { type Label, type StreamEntries, canonicalLabels } from '@vigil/storage';
import type { Context } from 'hono';
import { limitsFor } from '../../config/config.js';
import { HttpError, badData, isHttpError } from '../../errors.js';
import { parseSeriesSelector } from '../../api/selector.js';
import { decodeContentEncoding } from '../decompress.js';
import type { IngestContext } from '../ingest-context.js';
import { IngestProblems } from '../problems.js';
import { ProtobufError } from '../protobuf-reader.js';
import { readRequestBody } from '../read-body.js';
import { decompressSnappyBlock } from '../snappy-block.js';
import { formatLabels } from '../validate-labels.js';
import { type RawStream, decodeLokiJson, decodeLokiProtobuf } from './decode.js';

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NS_PER_MS = 1_000_000n;

/** A stream label string's validated label set, with the limits it was checked against. */
interface CachedLabels {
  labels: Label[];
  maxLabels: number;
  maxName: number;
  maxValue: number;
}

/** Label strings longer than this are not cached (they are rare, and would hold memory). */
const CACHE_MAX_KEY_LENGTH = 1024;
/** Cached label strings; the cache is emptied when it reaches this size. */
const CACHE_MAX_ENTRIES = 8192;

/**
 * Protobuf pushes name each stream by a selector string (`{app="a", host="b"}`), parsed with the
 * PromQL parser: the same few hundred strings arrive in every request, so their valid label sets
 * are kept (per process, bounded) with the limits they were checked against. Invalid strings are
 * not cached: they are parsed and refused again, with the same message.
 */
const labelCache = new Map<string, CachedLabels>();

/** {@link streamLabels} for a selector string, through {@link labelCache}. */
function cachedStreamLabels(raw: string, maxLabels: number, maxName: number, maxValue: number): { labels?: Label[]; error?: string } {
  const hit = labelCache.get(raw);
  if (hit && hit.maxLabels === maxLabels && hit.maxName === maxName && hit.maxValue === maxValue) return { labels: hit.labels };
  const result = streamLabels(raw, maxLabels, maxName, maxValue);
  if (result.labels && raw.length <= CACHE_MAX_KEY_LENGTH) {
    if (labelCache.size >= CACHE_MAX_ENTRIES) labelCache.clear();
    for (const l of result.labels) Object.freeze(l);
    labelCache.set(raw, { labels: Object.freeze(result.labels) as Label[], maxLabels, maxName, maxValue });
  }
  return result;
}

/** Turns a pushed stream's labels into a canonical label set, or says why it cannot. */
function streamLabels(raw: RawStream['labels'], maxLabels: number, maxName: number, maxValue: number): { labels?: Label[]; error?: string } {
  let pairs: Label[];
  if (typeof raw === 'string') {
    try {
      const matchers = parseSeriesSelector(raw, 'stream');
      if (matchers.some((m) => m.op !== '=')) return { error: `stream labels ${raw} must use only "="` };
      pairs = matchers.map((m) => ({ name: m.name, value: m.value }));
    } catch (err) {
      return { error: `cannot parse stream labels ${JSON.stringify(raw)}: ${(err as Error).message}` };
    }
  } else {
    pairs = [];
    for (const [name, value] of Object.entries(raw)) {
      if (typeof value !== 'string') return { error: `label ${JSON.stringify(name)} must have a string value` };
      pairs.push({ name, value });
    }
  }
  const labels = canonicalLabels(pairs);
  if (labels.length === 0) return { error: 'stream has no labels' };
  if (labels.length > maxLabels) return { error: `stream has ${labels.length} labels, over the limit of ${maxLabels}` };
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!LABEL_NAME_RE.test(l.name)) return { error: `invalid label name ${JSON.stringify(l.name)}` };
    if (i > 0 && labels[i - 1]!.name === l.name) return { error: `duplicate label name ${JSON.stringify(l.name)}` };
    if (l.name.length > maxName) return { error: `label name longer than the limit of ${maxName} bytes` };
    if (l.value.length > maxValue) return { error: `label value longer than the limit of ${maxValue} bytes` };
  }
  return { labels };
}

/**
 * Handles `POST /loki/api/v1/push`: JSON (optionally gzip) and snappy protobuf. Protobuf is chosen
 * by `Content-Type: application/x-protobuf` and is always raw snappy (real clients send no
 * `Content-Encoding`). Invalid streams and entries are listed in a 400 while the rest is stored.
 */
export function createLokiPushHandler(ctx: IngestContext) {
  return async (c: Context): Promise<Response> => {
    const { tenant } = ctx.begin(c);
    ctx.refuseWhileExhausted(tenant, 'logs');
    const cfg = ctx.config;
    const body = await readRequestBody(c, cfg.maxRequestBytes);
    const type = (c.req.header('content-type') ?? 'application/json').toLowerCase();
    let raw: RawStream[];
    if (type.startsWith('application/x-protobuf')) {
      const plain = decompressSnappyBlock(body, cfg.maxDecompressedBytes);
      try {
        raw = decodeLokiProtobuf(plain);
      } catch (err) {
        if (err instanceof ProtobufError) throw badData(`cannot decode Loki push protobuf: ${err.message}`);
        throw err;
      }
    } else if (type.startsWith('application/json') || type === '') {
      const plain = await decodeContentEncoding(body, c.req.header('content-encoding'), cfg.maxDecompressedBytes, cfg.maxDecompressionRatio);
      try {
        raw = decodeLokiJson(plain.toString('utf8'));
      } catch (err) {
        if (isHttpError(err)) throw err;
        throw badData(`cannot decode Loki push JSON: ${(err as Error).message}`);
      }
    } else {
      throw new HttpError('unsupported_media_type', `unsupported Content-Type ${JSON.stringify(type)}; use application/json or application/x-protobuf`);
    }

    const limits = limitsFor(cfg, tenant);
    let bytes = 0;
    let lines = 0;
    for (const s of raw) for (const e of s.entries) {
      bytes += e.line.length;
      lines++;
    }
    ctx.admitLogBytes(tenant, bytes, lines, limits);

    const nowMs = ctx.now();
    const minNs = limits.maxLogAgeMs > 0 ? BigInt(nowMs - limits.maxLogAgeMs) * NS_PER_MS : -1n;
    const maxNs = BigInt(nowMs + limits.creationGracePeriodMs) * NS_PER_MS;
    const problems = new IngestProblems(ctx.metrics.discardedLogLines, 'streams or entries');
    const problem = problems.add.bind(problems);
    const batch: StreamEntries[] = [];
    for (const s of raw) {
      const name = typeof s.labels === 'string' ? s.labels : JSON.stringify(s.labels);
      if (s.error) {
        problem('invalid', Math.max(1, s.entries.length), `stream ${name}: ${s.error}`);
        continue;
      }
      const { labels, error } =
        typeof s.labels === 'string'
          ? cachedStreamLabels(s.labels, limits.maxStreamLabels, limits.maxLabelNameLength, limits.maxLabelValueLength)
          : streamLabels(s.labels, limits.maxStreamLabels, limits.maxLabelNameLength, limits.maxLabelValueLength);
      if (!labels) {
        problem('invalid_labels', s.entries.length, `stream ${name}: ${error}`);
        continue;
      }
      // The stream's entries as decoded while all of them pass; a copy without the refused ones
      // from the first refusal on.
      let entries = s.entries;
      for (let j = 0; j < s.entries.length; j++) {
        const e = s.entries[j]!;
        let refused = true;
        // A UTF-16 code unit is at most 3 bytes of UTF-8, so most lines need no byte count.
        if (e.line.length * 3 > limits.maxLineBytes && Buffer.byteLength(e.line, 'utf8') > limits.maxLineBytes) {
          problem('line_too_long', 1, `stream ${formatLabels(labels)}: line of ${Buffer.byteLength(e.line)} bytes is over the limit of ${limits.maxLineBytes} bytes`);
        } else if (e.tsNs > maxNs) {
          problem('too_far_in_future', 1, `stream ${formatLabels(labels)}: entry timestamp ${e.tsNs} is too far in the future`);
        } else if (e.tsNs < minNs) {
          problem('too_old', 1, `stream ${formatLabels(labels)}: entry timestamp ${e.tsNs} is older than the limit of ${limits.maxLogAgeMs / 3_600_000}h`);
        } else refused = false;
        if (refused && entries === s.entries) entries = s.entries.slice(0, j);
        else if (!refused && entries !== s.entries) entries.push(e);
      }
      if (entries.length > 0) batch.push({ labels, entries });
    }
    const result = await ctx.appendLogs(tenant, batch, limits);
    for (const r of result.rejected) {
      const s = batch[r.index]!;
      problem('stream_limit', s.entries.length, `stream ${formatLabels(s.labels)}: ${r.message}`);
    }
    ctx.metrics.ingestedLogLines.inc({ protocol: 'loki' }, result.entriesWritten);
    ctx.metrics.ingestedLogBytes.inc({ protocol: 'loki' }, result.bytesWritten);
    problems.throwIfAny(`${result.entriesWritten} valid entries stored`);
    return c.body(null, 204);
  };
}
