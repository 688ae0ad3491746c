import type { Label } from './workload.js';
import { varintSize, writeVarint } from './varint.js';

/**
 * A hand-written protobuf encoder for Prometheus remote_write 1.0 `WriteRequest` messages
 * (`prompb/remote.proto`, `prompb/types.proto`):
 *
 * ```proto
 * message WriteRequest { repeated TimeSeries timeseries = 1; }
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; }
 * ```
 *
 * The output is the raw protobuf; snappy block compression is the caller's job. Labels are encoded
 * once per series ({@link encodeLabelFields}) and reused for every request of that series, which
 * keeps the encoding of millions of samples to a few seconds.
 */

const TAG_TIMESERIES = (1 << 3) | 2; // WriteRequest.timeseries, length-delimited
const TAG_LABEL = (1 << 3) | 2; // TimeSeries.labels
const TAG_SAMPLE = (2 << 3) | 2; // TimeSeries.samples
const TAG_LABEL_NAME = (1 << 3) | 2; // Label.name
const TAG_LABEL_VALUE = (2 << 3) | 2; // Label.value
const TAG_SAMPLE_VALUE = (1 << 3) | 1; // Sample.value, 64-bit
const TAG_SAMPLE_TIMESTAMP = (2 << 3) | 0; // Sample.timestamp, varint

/** A series ready for {@link encodeWriteRequest}: pre-encoded labels and columnar samples. */
export interface EncodableSeries {
  /** The `TimeSeries.labels` fields, from {@link encodeLabelFields}. */
  labelFields: Uint8Array;
  /** Sample timestamps in epoch milliseconds, ascending, non-negative integers. */
  timestampsMs: ArrayLike<number>;
  /** Sample values, one per timestamp. */
  values: ArrayLike<number>;
}

/**
 * Encodes a label set as the repeated `labels` fields of a `TimeSeries`, sorted by name as the
 * remote_write spec requires. The caller's array is not modified.
 *
 * @example
 * encodeLabelFields([{ name: 'job', value: 'x' }, { name: '__name__', value: 'up' }]);
 */
export function encodeLabelFields(labels: readonly Label[]): Uint8Array {
  const sorted = [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: Buffer[] = [];
  for (const { name, value } of sorted) {
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    const inner = Buffer.allocUnsafe(
      1 + varintSize(nameBytes.length) + nameBytes.length + 1 + varintSize(valueBytes.length) + valueBytes.length,
    );
    let pos = 0;
    inner[pos++] = TAG_LABEL_NAME;
    pos = writeVarint(inner, pos, nameBytes.length);
    pos += nameBytes.copy(inner, pos);
    inner[pos++] = TAG_LABEL_VALUE;
    pos = writeVarint(inner, pos, valueBytes.length);
    valueBytes.copy(inner, pos);
    const header = Buffer.allocUnsafe(1 + varintSize(inner.length));
    header[0] = TAG_LABEL;
    writeVarint(header, 1, inner.length);
    parts.push(header, inner);
  }
  return Buffer.concat(parts);
}

/**
 * Encodes a `WriteRequest` holding the given series, in the given order.
 *
 * Without `scratch` the result is a new buffer that the caller owns. With `scratch`, the message is
 * written into it when it fits and the result is a view of it, valid until the next call that uses
 * the same scratch buffer (this spares the garbage of one large buffer per request).
 *
 * @example
 * const labelFields = encodeLabelFields([{ name: '__name__', value: 'up' }]);
 * const body = encodeWriteRequest([{ labelFields, timestampsMs: [1700000000000], values: [1] }]);
 */
export function encodeWriteRequest(series: readonly EncodableSeries[], scratch?: Buffer): Buffer {
  const seriesLengths = new Array<number>(series.length);
  let total = 0;
  series.forEach((s, i) => {
    if (s.timestampsMs.length !== s.values.length) {
      throw new Error(`encodeWriteRequest: series ${i} has ${s.timestampsMs.length} timestamps but ${s.values.length} values`);
    }
    let length = s.labelFields.length;
    for (let j = 0; j < s.timestampsMs.length; j++) {
      const sampleLength = sampleMessageSize(s.timestampsMs[j]!);
      length += 1 + varintSize(sampleLength) + sampleLength;
    }
    seriesLengths[i] = length;
    total += 1 + varintSize(length) + length;
  });

  const out = scratch !== undefined && scratch.length >= total ? scratch.subarray(0, total) : Buffer.allocUnsafe(total);
  let pos = 0;
  series.forEach((s, i) => {
    out[pos++] = TAG_TIMESERIES;
    pos = writeVarint(out, pos, seriesLengths[i]!);
    out.set(s.labelFields, pos);
    pos += s.labelFields.length;
    for (let j = 0; j < s.timestampsMs.length; j++) {
      const timestampMs = s.timestampsMs[j]!;
      out[pos++] = TAG_SAMPLE;
      pos = writeVarint(out, pos, sampleMessageSize(timestampMs));
      // proto3 would omit a zero value; writing it anyway is valid and keeps sizes predictable.
      out[pos++] = TAG_SAMPLE_VALUE;
      pos = out.writeDoubleLE(s.values[j]!, pos);
      out[pos++] = TAG_SAMPLE_TIMESTAMP;
      pos = writeVarint(out, pos, timestampMs);
    }
  });
  if (pos !== total) throw new Error(`encodeWriteRequest: wrote ${pos} bytes, expected ${total}`);
  return out;
}

function sampleMessageSize(timestampMs: number): number {
  return 1 + 8 + 1 + varintSize(timestampMs);
}
