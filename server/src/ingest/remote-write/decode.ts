import { ProtobufError, ProtobufReader, WIRE } from '../protobuf-reader.js';

/** One TimeSeries of a WriteRequest, with its labels still as raw bytes. */
export interface RawSeries {
  /** Byte range of the series' Label messages inside the request (for cheap caching by bytes). */
  labelsStart: number;
  labelsEnd: number;
  /** Label messages' positions: pairs of [start, end) offsets into the body. */
  labelRanges: number[];
  /** Views into the request-wide sample arrays ({@link DecodedWriteRequest.samples}). */
  timestampsMs: Float64Array;
  values: Float64Array;
  /** 1 where the sample is Prometheus' stale marker NaN (0x7ff0000000000002). */
  stale: Uint8Array;
  /** Number of native histogram samples (not supported; counted and dropped). */
  histograms: number;
}

/** Every sample of a request in three parallel arrays; each series holds views into them. */
export interface SampleArrays {
  timestampsMs: Float64Array;
  values: Float64Array;
  stale: Uint8Array;
  length: number;
}

/** MetricMetadata of a WriteRequest. */
export interface RawMetadata {
  type: number;
  metricFamilyName: string;
  help: string;
  unit: string;
}

/** A decoded WriteRequest. */
export interface DecodedWriteRequest {
  body: Uint8Array;
  series: RawSeries[];
  metadata: RawMetadata[];
  samples: SampleArrays;
}

/** Fewest bytes one Sample takes on the wire (tag, length, tag, 8-byte double, tag, 1-byte varint). */
const MIN_SAMPLE_BYTES = 13;

const STALE_LO = 0x00000002;
const STALE_HI = 0x7ff00000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a remote_write 1.0 `WriteRequest` (uncompressed protobuf). Labels are left as byte
 * ranges so the caller can cache their validation and canonical form by the raw bytes; unknown
 * fields are skipped.
 *
 * @throws ProtobufError on malformed input.
 */
export function decodeWriteRequest(body: Uint8Array): DecodedWriteRequest {
  const r = new ProtobufReader(body);
  const series: RawSeries[] = [];
  const metadata: RawMetadata[] = [];
  // One set of arrays for every sample of the request, grown by doubling; the body bounds how
  // many samples there can be, so the first guess never needs to exceed that.
  const cap = Math.min(16_384, Math.floor(body.length / MIN_SAMPLE_BYTES) + 1);
  const samples: SampleArrays = {
    timestampsMs: new Float64Array(cap),
    values: new Float64Array(cap),
    stale: new Uint8Array(cap),
    length: 0,
  };
  while (r.more()) {
    const t = r.varint();
    const field = Math.floor(t / 8);
    const wt = t & 7;
    if (field === 0) throw new ProtobufError('field number 0');
    if (field === 1 && wt === WIRE.LEN) {
      const end = r.lengthDelimitedEnd();
      series.push(decodeTimeSeries(r, end, samples));
      r.pos = end;
    } else if (field === 3 && wt === WIRE.LEN) {
      const end = r.lengthDelimitedEnd();
      metadata.push(decodeMetadata(r, end));
      r.pos = end;
    } else {
      r.skip(wt);
    }
  }
  return { body, series, metadata, samples };
}

function decodeTimeSeries(r: ProtobufReader, end: number, out: SampleArrays): RawSeries {
  const labelRanges: number[] = [];
  const first = out.length;
  let labelsStart = -1;
  let labelsEnd = -1;
  let histograms = 0;
  const sub = r.sub(r.pos, end);
  const view = sub.view;
  while (sub.more()) {
    const tag = sub.varint();
    const field = Math.floor(tag / 8);
    const wt = tag & 7;
    if (field === 0) throw new ProtobufError('field number 0');
    if (field === 1 && wt === WIRE.LEN) {
      const lengthStart = sub.pos;
      const e = sub.lengthDelimitedEnd();
      if (labelsStart < 0) labelsStart = lengthStart;
      labelsEnd = e;
      labelRanges.push(sub.pos, e);
      sub.pos = e;
    } else if (field === 2 && wt === WIRE.LEN) {
      const e = sub.lengthDelimitedEnd();
      if (out.length === out.values.length) growSamples(out);
      const i = out.length++;
      out.timestampsMs[i] = 0;
      out.values[i] = 0;
      out.stale[i] = 0;
      while (sub.pos < e) {
        const t = sub.varint();
        if (t === 9) {
          if (sub.pos + 8 > e) throw new ProtobufError('truncated sample value');
          const lo = view.getUint32(sub.pos, true);
          const hi = view.getUint32(sub.pos + 4, true);
          out.stale[i] = lo === STALE_LO && hi === STALE_HI ? 1 : 0;
          out.values[i] = view.getFloat64(sub.pos, true);
          sub.pos += 8;
        } else if (t === 16) {
          out.timestampsMs[i] = sub.int64();
        } else {
          if (Math.floor(t / 8) === 0) throw new ProtobufError('field number 0');
          const inner = sub.sub(sub.pos, e);
          inner.skip(t & 7);
          sub.pos = inner.pos;
        }
      }
      if (sub.pos !== e) throw new ProtobufError('sample runs past its length');
    } else if (field === 4 && wt === WIRE.LEN) {
      histograms++;
      sub.skip(wt);
    } else {
      sub.skip(wt);
    }
  }
  return {
    labelsStart,
    labelsEnd,
    labelRanges,
    timestampsMs: out.timestampsMs.subarray(first, out.length),
    values: out.values.subarray(first, out.length),
    stale: out.stale.subarray(first, out.length),
    histograms,
  };
}

function growSamples(a: SampleArrays): void {
  const cap = a.values.length * 2;
  const ts = new Float64Array(cap);
  ts.set(a.timestampsMs);
  const vs = new Float64Array(cap);
  vs.set(a.values);
  const st = new Uint8Array(cap);
  st.set(a.stale);
  a.timestampsMs = ts;
  a.values = vs;
  a.stale = st;
}

/** Decodes one Label message at `[start, end)` into name and value. */
export function decodeLabel(body: Uint8Array, start: number, end: number): { name: string; value: string } {
  const r = new ProtobufReader(body, start, end);
  let name = '';
  let value = '';
  while (r.more()) {
    const [field, wt] = r.tag();
    if ((field === 1 || field === 2) && wt === WIRE.LEN) {
      const e = r.lengthDelimitedEnd();
      const s = decodeUtf8(body, r.pos, e);
      if (field === 1) name = s;
      else value = s;
      r.pos = e;
    } else {
      r.skip(wt);
    }
  }
  return { name, value };
}

function decodeMetadata(r: ProtobufReader, end: number): RawMetadata {
  const m: RawMetadata = { type: 0, metricFamilyName: '', help: '', unit: '' };
  const sub = r.sub(r.pos, end);
  while (sub.more()) {
    const [field, wt] = sub.tag();
    if (field === 1 && wt === WIRE.VARINT) m.type = sub.varint();
    else if ((field === 2 || field === 4 || field === 5) && wt === WIRE.LEN) {
      const e = sub.lengthDelimitedEnd();
      const s = decodeUtf8(sub.buf, sub.pos, e);
      if (field === 2) m.metricFamilyName = s;
      else if (field === 4) m.help = s;
      else m.unit = s;
      sub.pos = e;
    } else sub.skip(wt);
  }
  return m;
}

function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  try {
    return utf8.decode(buf.subarray(start, end));
  } catch {
    throw new ProtobufError('string is not valid UTF-8');
  }
}

/** Prometheus' MetricType enum names, as `/api/v1/metadata` prints them. */
export const METRIC_TYPE_NAMES = ['unknown', 'counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset'];
