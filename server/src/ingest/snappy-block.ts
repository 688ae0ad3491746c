import { uncompressSync } from 'snappy';
import { HttpError, badData } from '../errors.js';

/**
 * Reads the uncompressed length that a snappy block announces in its first bytes (a varint).
 * Returns `undefined` when the header itself is malformed.
 */
export function snappyDecodedLength(buf: Uint8Array): number | undefined {
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 5 && i < buf.length; i++) {
    const b = buf[i]!;
    result += (b & 0x7f) * shift;
    if (b < 0x80) return result;
    shift *= 128;
  }
  return undefined;
}

/**
 * Decompresses a snappy block (never the framed format), checking the announced length against
 * `maxBytes` before allocating anything, so a small body cannot claim gigabytes.
 *
 * @throws HttpError 413 when too large, 400 when corrupt.
 */
export function decompressSnappyBlock(body: Buffer, maxBytes: number): Buffer {
  const len = snappyDecodedLength(body);
  if (len === undefined) throw badData('snappy: corrupt input (bad length header)');
  if (len > maxBytes) {
    throw new HttpError('too_large', `decompressed body of ${len} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  try {
    return uncompressSync(body, { asBuffer: true }) as Buffer;
  } catch {
    throw badData('snappy: corrupt input');
  }
}
