import { HttpError } from '../errors.js';

/**
 * Reads a request body into one Buffer, refusing more than `limitBytes`: first by the announced
 * `Content-Length` (before reading anything), then while streaming (chunked bodies announce
 * nothing). Over the limit → 413, without buffering the excess.
 */
export async function readBodyLimited(req: Request, limitBytes: number): Promise<Buffer> {
  const announced = req.headers.get('content-length');
  if (announced !== null && Number(announced) > limitBytes) {
    throw new HttpError('too_large', `request body of ${announced} bytes exceeds the limit of ${limitBytes} bytes`);
  }
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new HttpError('too_large', `request body exceeds the limit of ${limitBytes} bytes`);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, total);
}
