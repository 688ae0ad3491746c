import type { Label, SeriesSamples } from '@vigil/storage';
import type { Context } from 'hono';
import { limitsFor } from '../../config/config.js';
import type { AppVariables } from '../../auth/middleware.js';
import { HttpError, badData } from '../../errors.js';
import { decodeContentEncoding } from '../decompress.js';
import type { IngestContext } from '../ingest-context.js';
import { IngestProblems } from '../problems.js';
import { readRequestBody } from '../read-body.js';
import { type LabelShape, checkLabelLimits, checkLabelShape, formatLabels } from '../validate-labels.js';
import { type InfluxPrecision, parseLineProtocol, parsePrecision } from './line-protocol.js';
import { influxPointsToSeries } from './to-series.js';
import { formatTimestampMs } from '../format-time.js';

/** The InfluxDB version `/ping` reports; 1.8 is what 1.x clients and Telegraf expect to talk to. */
export const INFLUX_COMPAT_VERSION = '1.8.10';

/**
 * Parses, converts and stores one line-protocol body. Lines that do not parse and series that
 * fail validation are listed in a 400 (`unable to parse '<line>': <why>`) after the rest is stored.
 */
/**
 * Label sets by raw measurement, tags and field, and their validation by label set, so a series
 * seen before is neither rebuilt nor re-checked. One pair per ingest context: the shapes carry the
 * store's series references, which belong to that context's storage.
 */
const caches = new WeakMap<IngestContext, { labels: Map<string, Label[]>; shapes: WeakMap<Label[], LabelShape> }>();

function cachesOf(ctx: IngestContext): { labels: Map<string, Label[]>; shapes: WeakMap<Label[], LabelShape> } {
  let c = caches.get(ctx);
  if (!c) {
    c = { labels: new Map(), shapes: new WeakMap() };
    caches.set(ctx, c);
  }
  return c;
}

async function writeLineProtocol(ctx: IngestContext, c: Context, precision: InfluxPrecision): Promise<Response> {
  const { tenant } = ctx.begin(c);
  ctx.refuseWhileExhausted(tenant, 'samples');
  const cfg = ctx.config;
  const body = await readRequestBody(c, cfg.maxRequestBytes);
  const encoding = c.req.header('content-encoding');
  if (encoding !== undefined && !['', 'gzip', 'x-gzip', 'identity'].includes(encoding.trim().toLowerCase())) {
    throw new HttpError('unsupported_media_type', `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or none`);
  }
  const text = (await decodeContentEncoding(body, encoding, cfg.maxDecompressedBytes, cfg.maxDecompressionRatio)).toString('utf8');
  const { points, errors } = parseLineProtocol(text);
  const now = ctx.now();
  const cache = cachesOf(ctx);
  const { series, stringFields } = influxPointsToSeries(points, precision, now, cache.labels);
  const limits = limitsFor(cfg, tenant);
  let samples = 0;
  for (const s of series) samples += s.values.length;
  ctx.admit(tenant, samples, limits);

  const problems = new IngestProblems(ctx.metrics.discardedSamples, 'lines or series');
  for (const e of errors) problems.add('invalid_line', 1, `unable to parse '${e.text}': ${e.message} (line ${e.line})`);
  // String fields are a documented part of the mapping, not an error: counted, never a 400.
  if (stringFields > 0) ctx.metrics.discardedSamples.inc({ reason: 'influx_string_field' }, stringFields);

  const minTs = limits.maxSampleAgeMs > 0 ? now - limits.maxSampleAgeMs : Number.NEGATIVE_INFINITY;
  const maxTs = now + limits.creationGracePeriodMs;
  const batch: SeriesSamples[] = [];
  for (const s of series) {
    let shape = cache.shapes.get(s.labels as Label[]);
    if (!shape) {
      shape = checkLabelShape([...s.labels]);
      cache.shapes.set(s.labels as Label[], shape);
    }
    const invalid = shape.error ?? checkLabelLimits(shape, limits);
    if (invalid) {
      problems.add('invalid_labels', s.values.length, `series ${formatLabels(s.labels)}: ${invalid}`);
      continue;
    }
    const keep: number[] = [];
    for (let i = 0; i < s.timestampsMs.length; i++) {
      const t = s.timestampsMs[i]!;
      if (t < minTs) problems.add('sample_too_old', 1, `series ${formatLabels(s.labels)}: timestamp ${formatTimestampMs(t)} is too old`);
      else if (t > maxTs) problems.add('sample_too_new', 1, `series ${formatLabels(s.labels)}: timestamp ${formatTimestampMs(t)} is too far in the future (check the precision parameter)`);
      else keep.push(i);
    }
    if (keep.length === s.values.length) batch.push({ ...s, ref: shape.ref });
    else if (keep.length > 0) batch.push({ labels: s.labels, timestampsMs: keep.map((i) => s.timestampsMs[i]!), values: keep.map((i) => s.values[i]!) });
  }
  const result = await ctx.append(tenant, batch, limits);
  for (const r of result.rejected) {
    const s = batch[r.index]!;
    problems.add('series_limit', s.values.length, `series ${formatLabels(s.labels)}: ${r.message}`);
  }
  ctx.metrics.ingestedSamples.inc({ protocol: 'influx' }, result.samplesWritten);
  problems.throwIfAny(`${result.samplesWritten} valid samples stored`);
  return c.body(null, 204);
}

function precisionParam(c: Context): InfluxPrecision {
  const raw = c.req.query('precision');
  const p = parsePrecision(raw);
  if (!p) throw badData(`invalid precision ${JSON.stringify(raw)}; use ns, us, ms, s, m or h`);
  return p;
}

/**
 * Handles InfluxDB 1.x `POST /write?db=<db>[&precision=n|u|ms|s|m|h]`: line protocol, gzip or
 * plain, → 204. `db` is required (as InfluxDB requires it) but does not name a place: the series
 * go to the request's tenant. Authenticate with Basic auth (key as password) or a bearer key.
 *
 * @example
 * app.post('/write', requireScope('ingest'), createInfluxV1WriteHandler(ingest));
 */
export function createInfluxV1WriteHandler(ctx: IngestContext) {
  return async (c: Context): Promise<Response> => {
    if (!c.req.query('db')) throw badData('database is required: add ?db=<name> to the URL');
    return writeLineProtocol(ctx, c, precisionParam(c));
  };
}

/**
 * Handles InfluxDB 2.x `POST /api/v2/write?org=<o>&bucket=<b>[&precision=ns|us|ms|s]` with
 * `Authorization: Token <key>` → 204. `bucket` is required; like `org` it does not name a place.
 *
 * @example
 * app.post('/api/v2/write', requireScope('ingest'), createInfluxV2WriteHandler(ingest));
 */
export function createInfluxV2WriteHandler(ctx: IngestContext) {
  return async (c: Context): Promise<Response> => {
    if (!c.req.query('bucket') && !c.req.query('bucketID')) throw badData('bucket is required: add ?bucket=<name> to the URL');
    return writeLineProtocol(ctx, c, precisionParam(c));
  };
}

/**
 * Handles `GET|HEAD /ping` → 204 with `X-Influxdb-Version`, which Influx clients and Telegraf
 * call before writing.
 *
 * @example
 * app.on(['GET', 'HEAD'], '/ping', createInfluxPingHandler());
 */
export function createInfluxPingHandler() {
  return async (c: Context): Promise<Response> =>
    c.body(null, 204, { 'X-Influxdb-Version': INFLUX_COMPAT_VERSION, 'X-Influxdb-Build': 'OSS' });
}

const CREATE_DB_RE = /^\s*create\s+database\s+("(?:[^"\\]|\\.)*"|[^\s;]+)/i;
const SHOW_DB_RE = /^\s*show\s+databases\s*$/i;

/** Database names remembered per tenant for `SHOW DATABASES` (the oldest forgotten past it). */
const MAX_DATABASES_PER_TENANT = 64;
/** Longest database name remembered. */
const MAX_DATABASE_NAME = 256;

/**
 * Handles InfluxDB 1.x `GET|POST /query?q=…` only as far as write-only clients need:
 * `CREATE DATABASE x` succeeds (the name is remembered, per tenant and in memory, for
 * `SHOW DATABASES`), `SHOW DATABASES` lists the tenant's names created since start (at most
 * {@link MAX_DATABASES_PER_TENANT}); any other statement gets a per-statement error saying
 * Vigil is queried with PromQL. Answers InfluxDB's `{"results":[…]}` shape with 200.
 *
 * @example
 * app.on(['GET', 'POST'], '/query', requireScope('ingest'), createInfluxQueryHandler());
 */
export function createInfluxQueryHandler() {
  const byTenant = new Map<string, Set<string>>();
  return async (c: Context): Promise<Response> => {
    const tenant = (c as Context<{ Variables: AppVariables }>).get('auth').tenant;
    let databases = byTenant.get(tenant);
    if (!databases) {
      databases = new Set<string>();
      byTenant.set(tenant, databases);
    }
    let q = c.req.query('q');
    if (q === undefined && c.req.method === 'POST') {
      const type = c.req.header('content-type') ?? '';
      if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) {
        // A malformed form (a multipart body without its boundary, or no body at all) makes
        // parseBody throw a plain TypeError: that is the client's mistake, not a 500.
        const form = await c.req.parseBody().catch((err: unknown) => {
          throw badData(`cannot read the form body: ${(err as Error).message}`);
        });
        if (typeof form.q === 'string') q = form.q;
      }
    }
    if (!q) throw badData('missing required parameter "q"');
    const statements = q
      .split(';')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const results = statements.map((stmt, statementId) => {
      const create = CREATE_DB_RE.exec(stmt);
      if (create) {
        const raw = create[1]!;
        const name = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
        if (name.length > MAX_DATABASE_NAME) {
          return { statement_id: statementId, error: `database name longer than ${MAX_DATABASE_NAME} characters` };
        }
        databases.delete(name);
        databases.add(name);
        if (databases.size > MAX_DATABASES_PER_TENANT) databases.delete(databases.values().next().value!);
        return { statement_id: statementId };
      }
      if (SHOW_DB_RE.test(stmt)) {
        const values = [...databases].map((d) => [d]);
        return { statement_id: statementId, series: [{ name: 'databases', columns: ['name'], ...(values.length > 0 ? { values } : {}) }] };
      }
      return {
        statement_id: statementId,
        error: `Vigil accepts InfluxDB writes only; query the data with PromQL at /api/v1/query (statement: ${stmt.slice(0, 80)})`,
      };
    });
    return c.json({ results });
  };
}
