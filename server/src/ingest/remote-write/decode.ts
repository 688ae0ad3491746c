import { ProtobufError, ProtobufReader, WIRE } from '../protobuf-reader.js';

/** One TimeSeries of a WriteRequest, with its labels still as raw bytes. */
export interface RawSeries {
  /** Byte range of each Label message inside the request (for cheap caching by bytes). */
  labelsStart: number;
  labelsEnd: number;
  /** Label messages' positions: pairs of [start, end) offsets into the body. */
  labelRanges: number[];
  timestampsMs: number[];
  values: number[];
  /** 1 where the sample is Prometheus' stale marker NaN (0x7ff0000000000002). */
  stale: Uint8Array;
  /** Number of native histogram samples (not supported; counted and dropped). */
  histograms: number;
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
}

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
  while (r.more()) {
    const [field, wt] = r.tag();
    if (field === 1 && wt === WIRE.LEN) {
      const end = r.lengthDelimitedEnd();
      series.push(decodeTimeSeries(r, end));
      r.pos = end;
    } else if (field === 3 && wt === WIRE.LEN) {
      const end = r.lengthDelimitedEnd();
      metadata.push(decodeMetadata(r, end));
      r.pos = end;
    } else {
      r.skip(wt);
    }
  }
  return { body, series, metadata };
}

function decodeTimeSeries(r: ProtobufReader, end: number): RawSeries {
  const labelRanges: number[] = [];
  const timestampsMs: number[] = [];
  const values: number[] = [];
  const staleIdx: number[] = [];
  let labelsStart = -1;
  let labelsEnd = -1;
  let histograms = 0;
  const sub = new ProtobufReader(r.buf, r.pos, end);
  while (sub.more()) {
    const [field, wt] = sub.tag();
    if (field === 1 && wt === WIRE.LEN) {
      const tagStart = sub.pos;
      const e = sub.lengthDelimitedEnd();
      if (labelsStart < 0) labelsStart = tagStart;
      labelsEnd = e;
      labelRanges.push(sub.pos, e);
      sub.pos = e;
    } else if (field === 2 && wt === WIRE.LEN) {
      const e = sub.lengthDelimitedEnd();
      let value = 0;
      let ts = 0;
      let stale = false;
      while (sub.pos < e) {
        const t = sub.varint();
        if (t === 9) {
          if (sub.pos + 8 > e) throw new ProtobufError('truncated sample value');
          const lo = sub.view.getUint32(sub.pos, true);
          const hi = sub.view.getUint32(sub.pos + 4, true);
          stale = lo === STALE_LO && hi === STALE_HI;
          value = sub.view.getFloat64(sub.pos, true);
          sub.pos += 8;
        } else if (t === 16) {
          ts = sub.int64();
        } else {
          const fieldNo = Math.floor(t / 8);
          if (fieldNo === 0) throw new ProtobufError('field number 0');
          const inner = new ProtobufReader(sub.buf, sub.pos, e);
          inner.skip(t & 7);
          sub.pos = inner.pos;
        }
      }
      if (stale) staleIdx.push(values.length);
      timestampsMs.push(ts);
      values.push(value);
    } else if (field === 4 && wt === WIRE.LEN) {
      histograms++;
      sub.skip(wt);
    } else {
      sub.skip(wt);
    }
  }
  const stale = new Uint8Array(values.length);
  for (const i of staleIdx) stale[i] = 1;
  return { labelsStart, labelsEnd, labelRanges, timestampsMs, values, stale, histograms };
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
  const sub = new ProtobufReader(r.buf, r.pos, end);
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
