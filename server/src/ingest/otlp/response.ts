import type { HttpError } from '../../errors.js';

/** The two OTLP/HTTP encodings; the answer always uses the request's. */
export type OtlpFormat = 'protobuf' | 'json';

const CONTENT_TYPE: Record<OtlpFormat, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

function varint(n: number, out: number[]): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function lenField(field: number, bytes: Uint8Array | number[], out: number[]): void {
  varint(field * 8 + 2, out);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

/**
 * The success answer: an empty `Export…ServiceResponse`, or one with `partial_success` when some
 * points or records were rejected (the client then does not retry, as the spec asks).
 *
 * @param rejectedField `rejectedDataPoints` (metrics) or `rejectedLogRecords` (logs), JSON name.
 */
export function otlpSuccess(
  format: OtlpFormat,
  rejected: number,
  message: string,
  rejectedField: 'rejectedDataPoints' | 'rejectedLogRecords',
): Response {
  const headers = { 'Content-Type': CONTENT_TYPE[format] };
  if (rejected === 0 && message === '') {
    return new Response(format === 'json' ? '{}' : new Uint8Array(0), { status: 200, headers });
  }
  if (format === 'json') {
    return new Response(JSON.stringify({ partialSuccess: { [rejectedField]: String(rejected), errorMessage: message } }), { status: 200, headers });
  }
  const inner: number[] = [];
  if (rejected > 0) {
    varint(1 * 8, inner);
    varint(rejected, inner);
  }
  if (message) lenField(2, Buffer.from(message, 'utf8'), inner);
  const out: number[] = [];
  lenField(1, inner, out);
  return new Response(new Uint8Array(out), { status: 200, headers });
}

/** gRPC status codes for the `google.rpc.Status` of an error answer, by HTTP status. */
function grpcCode(status: number): number {
  switch (status) {
    case 400:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return 13; // INTERNAL
  }
}

/**
 * An error answer in the request's encoding: `google.rpc.Status{code, message}` with the HTTP
 * status of `err` and its `Retry-After`.
 *
 * This builds a Response itself instead of throwing to the app's `onError`, because OTLP fixes
 * the error body's format (a protobuf or JSON `Status` matching the request's Content-Type) and
 * the OTLP exporters parse it; the shape is OTLP's alone, so it stays in this folder.
 */
export function otlpError(format: OtlpFormat, err: HttpError): Response {
  const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPE[format] };
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds);
  const code = grpcCode(err.status);
  if (format === 'json') return new Response(JSON.stringify({ code, message: err.message }), { status: err.status, headers });
  const out: number[] = [];
  varint(1 * 8, out);
  varint(code, out);
  lenField(2, Buffer.from(err.message, 'utf8'), out);
  return new Response(new Uint8Array(out), { status: err.status, headers });
}

/**
 * The request's encoding from its `Content-Type`, or `undefined` for another type.
 */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat | undefined {
  const t = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (t === 'application/x-protobuf' || t === 'application/protobuf') return 'protobuf';
  if (t === 'application/json') return 'json';
  return undefined;
}
