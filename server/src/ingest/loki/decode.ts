import { ProtobufError, type ProtobufReader, WIRE } from '../protobuf-reader.js';

/** A pushed stream before validation: labels as sent, entries decoded, or why it could not be. */
export interface RawStream {
  /** Labels as a selector string (`{job="a"}`, protobuf) or an object (JSON). */
  labels: string | Record<string, unknown>;
  entries: Array<{ tsNs: bigint; line: string; metadata: Record<string, string> | undefined }>;
  /** Set when the stream's entries were malformed; the stream is then rejected as a whole. */
  error?: string;
}

const NS_RE = /^\d{1,19}$/;

/**
 * Decodes Loki's JSON push body: `{"streams":[{"stream":{...},"values":[["<ns>","line",{meta}]]}]}`.
 * Timestamps must be strings of nanoseconds (as Loki requires); a number is an error for that
 * stream, not for the request.
 *
 * @throws Error when the body is not JSON of that shape at all.
 */
export function decodeLokiJson(text: string): RawStream[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`body is not valid JSON: ${(err as Error).message}`);
  }
  const streams = (doc as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams)) throw new Error('body must be an object with a "streams" array');
  return streams.map((s, i): RawStream => {
    if (s === null || typeof s !== 'object') return { labels: {}, entries: [], error: `streams[${i}] is not an object` };
    const { stream, values } = s as { stream?: unknown; values?: unknown };
    const labels = stream !== null && typeof stream === 'object' && !Array.isArray(stream) ? (stream as Record<string, unknown>) : {};
    if (stream === undefined || labels !== stream) return { labels, entries: [], error: `streams[${i}].stream must be an object of labels` };
    if (!Array.isArray(values)) return { labels, entries: [], error: `streams[${i}].values must be an array` };
    const entries: RawStream['entries'] = [];
    for (let j = 0; j < values.length; j++) {
      const v = values[j] as unknown;
      if (!Array.isArray(v) || v.length < 2 || v.length > 3) {
        return { labels, entries: [], error: `streams[${i}].values[${j}] must be ["<ns timestamp>", "<line>"] or with a metadata object` };
      }
      const [ts, line, meta] = v as [unknown, unknown, unknown];
      if (typeof ts !== 'string' || !NS_RE.test(ts)) {
        return { labels, entries: [], error: `streams[${i}].values[${j}][0]: timestamp must be a string of nanoseconds, got ${JSON.stringify(ts)}` };
      }
      if (typeof line !== 'string') return { labels, entries: [], error: `streams[${i}].values[${j}][1]: line must be a string` };
      let metadata: Record<string, string> | undefined;
      if (meta !== undefined) {
        if (meta === null || typeof meta !== 'object' || Array.isArray(meta) || Object.values(meta).some((x) => typeof x !== 'string')) {
          return { labels, entries: [], error: `streams[${i}].values[${j}][2]: structured metadata must be an object of strings` };
        }
        metadata = meta as Record<string, string>;
      }
      entries.push({ tsNs: BigInt(ts), line, metadata });
    }
    return { labels, entries };
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/*
 * The protobuf decoder below reads with module-level cursor functions instead of a reader object
 * per message: a push carries thousands of entries, and a reader (with its DataView) per entry and
 * per timestamp, and a `[field, wireType]` array per tag, were a visible share of the ingest CPU
 * and of its garbage. Decoding is synchronous, so one cursor is enough. Errors are the same
 * {@link ProtobufError}s as {@link ProtobufReader}'s.
 */
let buf: Uint8Array = new Uint8Array(0);
let pos = 0;

function varint(end: number): number {
  if (pos < end) {
    const b = buf[pos]!;
    if (b < 0x80) {
      pos++;
      return b;
    }
  }
  let result = 0;
  let shift = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtobufError('truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * shift;
    if (b < 0x80) return result;
    shift *= 128;
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

/** Reads a tag; returns `fieldNumber * 8 + wireType` (field numbers are checked to be non-zero). */
function tag(end: number): number {
  const t = varint(end);
  if (t < 8) throw new ProtobufError('field number 0');
  return t;
}

function lengthDelimitedEnd(end: number): number {
  const len = varint(end);
  const e = pos + len;
  if (e > end) throw new ProtobufError(`length ${len} runs past the end of the message`);
  return e;
}

function skip(wireType: number, end: number): void {
  switch (wireType) {
    case WIRE.VARINT:
      varint(end);
      return;
    case WIRE.I64:
      pos += 8;
      break;
    case WIRE.LEN:
      pos = lengthDelimitedEnd(end);
      return;
    case WIRE.I32:
      pos += 4;
      break;
    default:
      throw new ProtobufError(`unsupported wire type ${wireType}`);
  }
  if (pos > end) throw new ProtobufError('truncated field');
}

/** Reads an int64 varint as {@link ProtobufReader.int64} does. */
function int64(end: number): number {
  const start = pos;
  const v = varint(end);
  if (v < 2 ** 63) return v;
  let exact = 0n;
  for (let p = pos - 1; p >= start; p--) exact = (exact << 7n) | BigInt(buf[p]! & 0x7f);
  return Number(BigInt.asIntN(64, exact));
}

/** The UTF-8 string in `[pos, end)`; moves the cursor to `end`. */
function str(end: number): string {
  let s: string;
  try {
    s = utf8.decode(buf.subarray(pos, end));
  } catch {
    throw new ProtobufError('string is not valid UTF-8');
  }
  pos = end;
  return s;
}

const TAG_1_LEN = 1 * 8 + WIRE.LEN;
const TAG_2_LEN = 2 * 8 + WIRE.LEN;
const TAG_3_LEN = 3 * 8 + WIRE.LEN;
const TAG_1_VARINT = 1 * 8 + WIRE.VARINT;
const TAG_2_VARINT = 2 * 8 + WIRE.VARINT;

/**
 * Decodes Loki's protobuf `PushRequest` (already snappy-decompressed):
 * `streams=1 {labels=1 string, entries=2 {timestamp=1 {seconds=1, nanos=2}, line=2, structuredMetadata=3 {name=1, value=2}}}`.
 *
 * @throws ProtobufError on malformed input.
 */
export function decodeLokiProtobuf(body: Uint8Array): RawStream[] {
  buf = body;
  pos = 0;
  try {
    return decodeStreams(body.length);
  } finally {
    buf = new Uint8Array(0);
  }
}

function decodeStreams(bodyEnd: number): RawStream[] {
  const out: RawStream[] = [];
  while (pos < bodyEnd) {
    const t = tag(bodyEnd);
    if (t !== TAG_1_LEN) {
      skip(t & 7, bodyEnd);
      continue;
    }
    const end = lengthDelimitedEnd(bodyEnd);
    const stream: RawStream = { labels: '', entries: [] };
    while (pos < end) {
      const f = tag(end);
      if (f === TAG_1_LEN) {
        stream.labels = str(lengthDelimitedEnd(end));
      } else if (f === TAG_2_LEN) {
        const e = lengthDelimitedEnd(end);
        stream.entries.push(decodeEntry(e));
        pos = e;
      } else skip(f & 7, end);
    }
    out.push(stream);
    pos = end;
  }
  return out;
}

function decodeEntry(end: number): RawStream['entries'][number] {
  let seconds = 0;
  let nanos = 0;
  let line = '';
  let metadata: Record<string, string> | undefined;
  while (pos < end) {
    const f = tag(end);
    if (f === TAG_1_LEN) {
      const e = lengthDelimitedEnd(end);
      while (pos < e) {
        const tf = tag(e);
        if (tf === TAG_1_VARINT) seconds = int64(e);
        else if (tf === TAG_2_VARINT) nanos = varint(e) | 0;
        else skip(tf & 7, e);
      }
      pos = e;
    } else if (f === TAG_2_LEN) {
      line = str(lengthDelimitedEnd(end));
    } else if (f === TAG_3_LEN) {
      const e = lengthDelimitedEnd(end);
      let name = '';
      let value = '';
      while (pos < e) {
        const pf = tag(e);
        if (pf === TAG_1_LEN) name = str(lengthDelimitedEnd(e));
        else if (pf === TAG_2_LEN) value = str(lengthDelimitedEnd(e));
        else skip(pf & 7, e);
      }
      metadata ??= {};
      metadata[name] = value;
      pos = e;
    } else skip(f & 7, end);
  }
  return { tsNs: BigInt(seconds) * 1_000_000_000n + BigInt(nanos), line, metadata };
}
