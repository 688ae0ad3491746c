import { compressSync } from 'snappy';

/** One sample: a value, or Prometheus' stale marker (`stale: true`). */
export type WriteSample = { timestampMs: number; value: number } | { timestampMs: number; stale: true };

/** One series of a remote_write request: labels (including `__name__`) and samples. */
export interface WriteSeries {
  /** Label set; encoded sorted by name, as remote_write 1.0 requires. */
  labels: Readonly<Record<string, string>>;
  /** Samples in time order: epoch milliseconds and value (or a stale marker). */
  samples: ReadonlyArray<WriteSample>;
}

/**
 * The stale marker's bytes, little-endian: the NaN `0x7ff0000000000002`. JavaScript cannot be
 * trusted to keep a NaN's payload through a `number`, so the bytes are written as they are.
 */
const STALE_NAN_LE = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

/**
 * Encodes a remote_write 1.0 `WriteRequest` (`prompb/remote.proto`) as uncompressed protobuf:
 *
 * ```proto
 * message WriteRequest { repeated TimeSeries timeseries = 1; }
 * message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 * message Label        { string name = 1; string value = 2; }
 * message Sample       { double value = 1; int64 timestamp = 2; }
 * ```
 *
 * Kept small on purpose: the suites need correct requests, not fast ones (`tests/bench/` has the
 * fast encoder, outside this package's `src`).
 */
export function encodeWriteRequest(series: readonly WriteSeries[]): Buffer {
  const out: Buffer[] = [];
  for (const s of series) {
    const fields: Buffer[] = [];
    const names = Object.keys(s.labels).sort();
    for (const name of names) {
      fields.push(lengthDelimited(1, Buffer.concat([stringField(1, name), stringField(2, s.labels[name]!)])));
    }
    for (const sample of s.samples) {
      const v = Buffer.alloc(9);
      v[0] = (1 << 3) | 1; // Sample.value, 64-bit
      if ('stale' in sample) STALE_NAN_LE.copy(v, 1);
      else v.writeDoubleLE(sample.value, 1);
      fields.push(lengthDelimited(2, Buffer.concat([v, varint((2 << 3) | 0), varint(sample.timestampMs)])));
    }
    out.push(lengthDelimited(1, Buffer.concat(fields)));
  }
  return Buffer.concat(out);
}

/**
 * Encodes and snappy-compresses (block format) a `WriteRequest`: a body for `POST /api/v1/write`.
 *
 * @example
 * const body = remoteWriteBody([{ labels: { __name__: 'up', job: 'x' }, samples: [{ timestampMs: Date.now(), value: 1 }] }]);
 */
export function remoteWriteBody(series: readonly WriteSeries[]): Buffer {
  return compressSync(encodeWriteRequest(series));
}

/** Headers a remote_write 1.0 sender sets. */
export const REMOTE_WRITE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
};

function stringField(field: number, value: string): Buffer {
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

/** A non-negative integer up to 2^53 as a protobuf varint (division, since shifts truncate to 32 bits). */
function varint(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint: ${n} is not a non-negative safe integer`);
  const bytes: number[] = [];
  while (n >= 128) {
    bytes.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
