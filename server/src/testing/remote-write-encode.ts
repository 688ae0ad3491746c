import { compressSync } from 'snappy';

/** A series to encode: labels in the order given (tests send unsorted ones on purpose). */
export interface TestSeries {
  labels: Array<[string, string]>;
  samples: Array<[number, number]>;
  /** Indexes of samples to encode as Prometheus' stale-marker NaN. */
  staleAt?: number[];
}

/** Metadata entry to encode. */
export interface TestMetadata {
  type: number;
  name: string;
  help: string;
  unit?: string;
}

class Writer {
  private bytes: number[] = [];
  varint(v: number): this {
    let n = v;
    while (n >= 0x80) {
      this.bytes.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    this.bytes.push(n);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  bytesField(field: number, b: Uint8Array | number[]): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytesField(field, Buffer.from(s, 'utf8'));
  }
  raw(b: Uint8Array | number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  done(): number[] {
    return this.bytes;
  }
}

/** Encodes a remote_write WriteRequest (uncompressed protobuf). */
export function encodeWriteRequest(series: TestSeries[], metadata: TestMetadata[] = []): Buffer {
  const w = new Writer();
  for (const s of series) {
    const ts = new Writer();
    for (const [name, value] of s.labels) ts.bytesField(1, new Writer().string(1, name).string(2, value).done());
    s.samples.forEach(([t, v], i) => {
      const value = Buffer.alloc(8);
      if (s.staleAt?.includes(i)) {
        value.writeUInt32LE(0x00000002, 0);
        value.writeUInt32LE(0x7ff00000, 4);
      } else {
        value.writeDoubleLE(v, 0);
      }
      const sample = new Writer().tag(1, 1).raw(value).tag(2, 0).varint(t).done();
      ts.bytesField(2, sample);
    });
    w.bytesField(1, ts.done());
  }
  for (const m of metadata) {
    const mw = new Writer().tag(1, 0).varint(m.type).string(2, m.name).string(4, m.help);
    if (m.unit) mw.string(5, m.unit);
    w.bytesField(3, mw.done());
  }
  return Buffer.from(w.done());
}

/** Encodes and snappy-compresses a WriteRequest, as a remote_write body. */
export function remoteWriteBody(series: TestSeries[], metadata: TestMetadata[] = []): Buffer {
  return compressSync(encodeWriteRequest(series, metadata));
}
