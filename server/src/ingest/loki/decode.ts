import { ProtobufError, ProtobufReader, WIRE } from '../protobuf-reader.js';

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

function str(r: ProtobufReader, end: number): string {
  try {
    return utf8.decode(r.buf.subarray(r.pos, end));
  } catch {
    throw new ProtobufError('string is not valid UTF-8');
  }
}

/**
 * Decodes Loki's protobuf `PushRequest` (already snappy-decompressed):
 * `streams=1 {labels=1 string, entries=2 {timestamp=1 {seconds=1, nanos=2}, line=2, structuredMetadata=3 {name=1, value=2}}}`.
 *
 * @throws ProtobufError on malformed input.
 */
export function decodeLokiProtobuf(body: Uint8Array): RawStream[] {
  const r = new ProtobufReader(body);
  const out: RawStream[] = [];
  while (r.more()) {
    const [field, wt] = r.tag();
    if (field !== 1 || wt !== WIRE.LEN) {
      r.skip(wt);
      continue;
    }
    const end = r.lengthDelimitedEnd();
    const s = new ProtobufReader(body, r.pos, end);
    const stream: RawStream = { labels: '', entries: [] };
    while (s.more()) {
      const [f, w] = s.tag();
      if (f === 1 && w === WIRE.LEN) {
        const e = s.lengthDelimitedEnd();
        stream.labels = str(s, e);
        s.pos = e;
      } else if (f === 2 && w === WIRE.LEN) {
        const e = s.lengthDelimitedEnd();
        stream.entries.push(decodeEntry(new ProtobufReader(body, s.pos, e)));
        s.pos = e;
      } else s.skip(w);
    }
    out.push(stream);
    r.pos = end;
  }
  return out;
}

function decodeEntry(r: ProtobufReader): RawStream['entries'][number] {
  let seconds = 0n;
  let nanos = 0n;
  let line = '';
  let metadata: Record<string, string> | undefined;
  while (r.more()) {
    const [f, w] = r.tag();
    if (f === 1 && w === WIRE.LEN) {
      const e = r.lengthDelimitedEnd();
      const t = new ProtobufReader(r.buf, r.pos, e);
      while (t.more()) {
        const [tf, tw] = t.tag();
        if (tf === 1 && tw === WIRE.VARINT) seconds = BigInt(t.int64());
        else if (tf === 2 && tw === WIRE.VARINT) nanos = BigInt(t.varint() | 0);
        else t.skip(tw);
      }
      r.pos = e;
    } else if (f === 2 && w === WIRE.LEN) {
      const e = r.lengthDelimitedEnd();
      line = str(r, e);
      r.pos = e;
    } else if (f === 3 && w === WIRE.LEN) {
      const e = r.lengthDelimitedEnd();
      const p = new ProtobufReader(r.buf, r.pos, e);
      let name = '';
      let value = '';
      while (p.more()) {
        const [pf, pw] = p.tag();
        if ((pf === 1 || pf === 2) && pw === WIRE.LEN) {
          const pe = p.lengthDelimitedEnd();
          if (pf === 1) name = str(p, pe);
          else value = str(p, pe);
          p.pos = pe;
        } else p.skip(pw);
      }
      metadata ??= {};
      metadata[name] = value;
      r.pos = e;
    } else r.skip(w);
  }
  return { tsNs: seconds * 1_000_000_000n + nanos, line, metadata };
}
