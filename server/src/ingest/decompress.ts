import { createGunzip, gunzipSync } from 'node:zlib';
import { HttpError, badData } from '../errors.js';
import { decompressSnappyBlock } from './snappy-block.js';

/**
 * Default for `maxDecompressionRatio`: past {@link RATIO_FLOOR_BYTES} of output, a gzip body may
 * inflate to at most this many times the compressed bytes read so far. Real payloads stay far
 * below it (Prometheus text ≈ 10×, OTLP JSON and Influx 10–40×); gzip's own ceiling is ≈ 1,032×,
 * which only runs of one byte (bombs) reach.
 */
export const DEFAULT_MAX_DECOMPRESSION_RATIO = 200;

/** Output any body may reach whatever its ratio (small, very repetitive requests stay welcome). */
export const RATIO_FLOOR_BYTES = 8 * 1024 * 1024;

/**
 * Bodies up to this size are inflated synchronously: with the ratio check their output is capped
 * at {@link RATIO_FLOOR_BYTES}, a few milliseconds of zlib. Larger ones go to the thread pool.
 */
const SYNC_MAX_COMPRESSED = 16 * 1024;

/** Compressed bytes handed to zlib at a time, so that the ratio is checked as the body is read. */
const FEED_STEP = 16 * 1024;

/**
 * The ratio is also checked over each stretch of this much output, against the compressed bytes
 * read during it: a bomb behind megabytes of incompressible bytes (which earn the whole body a
 * large allowance) is caught within one or two stretches. Twice the floor, so that the slack in
 * `fed` (up to two feed steps ahead of what zlib has read) cannot hide a bomb: 16 MiB at gzip's
 * ≈ 1,032× takes ≈ 16 KiB, and 200 × (16 + 32) KiB is under 10 MiB.
 */
const RATIO_WINDOW_BYTES = 2 * RATIO_FLOOR_BYTES;

/**
 * Undoes the request's `Content-Encoding` (`gzip`, `snappy`, or none), never producing more than
 * `maxBytes`. Gzip is inflated off the event loop (zlib's thread pool) for all but small bodies and
 * stops as soon as the output passes `maxBytes`, or passes both {@link RATIO_FLOOR_BYTES} and
 * `maxRatio` × the compressed bytes read so far, or when any 16 MiB stretch of output came from
 * fewer than 1/`maxRatio` as many compressed bytes (0 turns the ratio checks off): a bomb is refused
 * after a few MiB instead of costing the whole limit, even behind incompressible bytes. Snappy is checked against its announced
 * length before allocating.
 *
 * @throws HttpError 413 over the limit or the ratio, 400 for corrupt data, 415 for another encoding.
 */
export async function decodeContentEncoding(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
  maxRatio: number = DEFAULT_MAX_DECOMPRESSION_RATIO,
): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') {
    if (body.length > maxBytes) throw new HttpError('too_large', `body exceeds the limit of ${maxBytes} bytes`);
    return body;
  }
  if (enc === 'gzip' || enc === 'x-gzip') return gunzipLimited(body, maxBytes, maxRatio);
  if (enc === 'snappy') return decompressSnappyBlock(body, maxBytes);
  throw new HttpError('unsupported_media_type', `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip, snappy or none`);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError('too_large', `decompressed body exceeds the limit of ${maxBytes} bytes`);
}

function ratioExceeded(maxRatio: number, read: number): HttpError {
  return new HttpError(
    'too_large',
    `decompressed body exceeds ${maxRatio}× the ${read} compressed bytes read (maxDecompressionRatio); refused as a decompression bomb`,
  );
}

function stretchRatioExceeded(maxRatio: number, stretch: number, read: number): HttpError {
  return new HttpError(
    'too_large',
    `${stretch} bytes of the decompressed body came from ${read} compressed bytes, over ${maxRatio}× (maxDecompressionRatio); refused as a decompression bomb`,
  );
}

/** Inflates gzip within `maxBytes` and `maxRatio` (see {@link decodeContentEncoding}). */
export async function gunzipLimited(body: Buffer, maxBytes: number, maxRatio: number = DEFAULT_MAX_DECOMPRESSION_RATIO): Promise<Buffer> {
  if (body.length <= SYNC_MAX_COMPRESSED) return gunzipSmall(body, maxBytes, maxRatio);
  // Output chunks sized to the input: a body that may be a bomb inflates in up to 1 MiB steps
  // (zlib's 16 KiB default made reaching a limit about 2.5× slower).
  const chunkSize = Math.min(1024 * 1024, Math.max(64 * 1024, body.length * 4));
  return new Promise<Buffer>((resolve, reject) => {
    const gunzip = createGunzip({ chunkSize });
    const chunks: Buffer[] = [];
    let out = 0;
    let fed = 0;
    // Start of the current stretch (output and compressed bytes fed), for the windowed ratio.
    let markOut = 0;
    let markFed = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      gunzip.destroy();
      reject(err);
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (settled) return;
      out += chunk.length;
      if (out > maxBytes) return fail(tooLarge(maxBytes));
      if (maxRatio > 0 && out > RATIO_FLOOR_BYTES && out > maxRatio * fed) return fail(ratioExceeded(maxRatio, fed));
      if (maxRatio > 0 && out - markOut >= RATIO_WINDOW_BYTES) {
        const read = fed - markFed;
        if (out - markOut > maxRatio * read) return fail(stretchRatioExceeded(maxRatio, out - markOut, read));
        markOut = out;
        markFed = fed;
      }
      chunks.push(chunk);
    });
    gunzip.on('error', (err: Error) => fail(badData(`gzip: ${err.message}`)));
    gunzip.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, out));
    });
    // Feed in steps with backpressure, so that `fed` tracks what zlib has read (within one step).
    const pump = (): void => {
      while (!settled && fed < body.length) {
        const step = body.subarray(fed, fed + FEED_STEP);
        fed += step.length;
        if (!gunzip.write(step)) {
          gunzip.once('drain', pump);
          return;
        }
      }
      if (!settled) gunzip.end();
    };
    pump();
  });
}

/** A small body inflates synchronously; its whole-body ratio caps the output (no bomb gets past the floor). */
function gunzipSmall(body: Buffer, maxBytes: number, maxRatio: number): Buffer {
  const ratioCap = maxRatio > 0 ? Math.max(RATIO_FLOOR_BYTES, maxRatio * body.length) : Number.POSITIVE_INFINITY;
  const cap = Math.min(maxBytes, ratioCap);
  try {
    return gunzipSync(body, { maxOutputLength: cap });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw cap < maxBytes ? ratioExceeded(maxRatio, body.length) : tooLarge(maxBytes);
    }
    throw badData(`gzip: ${(err as Error).message}`);
  }
}
