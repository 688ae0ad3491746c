import { compressSync } from 'snappy';

/**
 * One sample of {@link StaleAwareSeries}: a value, or Prometheus' stale marker (`stale: true`).
 */
export type WriteSample = { timestampMs: number; value: number } | { timestampMs: number; stale: true };

/** One series of a remote_write request whose samples may include stale markers. */
export interface StaleAwareSeries {
  /** Label set including `__name__`; encoded sorted by name. */
  labels: Readonly<Record<string, string>>;
  /** Samples in time order. */
  samples: readonly WriteSample[];
}

/**
 * The stale marker's bytes, little-endian: the NaN `0x7ff0000000000002`. JavaScript cannot be
 * trusted to keep a NaN's payload through a `number`, so the bytes are written as they are.
 */
const STALE_NAN_LE = Buffer.from([0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]);

/**
 * A snappy-compressed remote_write 1.0 `WriteRequest`, like `remoteWriteBody` in `../lib/remote-write.ts`
 * (copied here because that encoder writes every value with `writeDoubleLE` and so cannot send
 * stale markers).
 */
export function remoteWriteBodyWithStale(series: readonly StaleAwareSeries[]): Buffer {
  const out: Buffer[] = [];
  for (const s of series) {
    const fields: Buffer[] = [];
    for (const name of Object.keys(s.labels).sort()) {
      fields.push(lengthDelimited(1, Buffer.concat([stringField(1, name), stringField(2, s.labels[name]!)])));
    }
    for (const sample of s.samples) {
      const value = Buffer.alloc(8);
      if ('stale' in sample) STALE_NAN_LE.copy(value);
      else value.writeDoubleLE(sample.value);
      const encoded = Buffer.concat([Buffer.from([(1 << 3) | 1]), value, varint((2 << 3) | 0), varint(sample.timestampMs)]);
      fields.push(lengthDelimited(2, encoded));
    }
    out.push(lengthDelimited(1, Buffer.concat(fields)));
  }
  return compressSync(Buffer.concat(out));
}

function stringField(field: number, value: string): Buffer {
  return lengthDelimited(field, Buffer.from(value, 'utf8'));
}

function lengthDelimited(field: number, payload: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(payload.length), payload]);
}

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
