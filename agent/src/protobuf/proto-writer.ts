/**
 * A minimal protobuf encoder for the few messages the agent sends (remote_write `WriteRequest`,
 * Loki `PushRequest`), writing everything, nested messages included, into one growing buffer.
 *
 * @example
 * const w = new ProtoWriter();
 * w.string(1, '__name__');
 * const bytes = w.finish();
 */
export class ProtoWriter {
  private buf = Buffer.allocUnsafe(4096);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  private varint(v: number | bigint): void {
    this.ensure(10);
    if (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      // Fast path without BigInt: every non-negative value the agent writes (lengths, ms and
      // s timestamps, nanos) is far below 2^53.
      while (v > 0x7f) {
        this.buf[this.len++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.buf[this.len++] = v;
      return;
    }
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.buf[this.len++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.len++] = Number(n);
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** Writes a `string` field (omitted when empty, as proto3 does). */
  string(field: number, value: string): void {
    if (value === '') return;
    this.bytes(field, Buffer.from(value, 'utf8'));
  }

  /** Writes a `bytes` or embedded-message field. */
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  /**
   * Writes an embedded message built by `build` in place: one byte is reserved for the length
   * and the body is shifted right in the rare case the length needs more (bodies ≥ 128 bytes).
   */
  message(field: number, build: (w: ProtoWriter) => void): void {
    this.tag(field, 2);
    this.ensure(1);
    const lenPos = this.len++;
    const start = this.len;
    build(this);
    const size = this.len - start;
    let lenBytes = 1;
    for (let x = size; x > 0x7f; x >>>= 7) lenBytes++;
    if (lenBytes > 1) {
      this.ensure(lenBytes - 1);
      this.buf.copyWithin(start + lenBytes - 1, start, this.len);
      this.len += lenBytes - 1;
    }
    let pos = lenPos;
    let x = size;
    while (x > 0x7f) {
      this.buf[pos++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[pos] = x;
  }

  /** Writes an `int64`/`int32` field (two's complement varint; omitted when zero). */
  int64(field: number, value: number | bigint): void {
    if (value === 0 || value === 0n) return;
    this.tag(field, 0);
    this.varint(value);
  }

  /** Writes a `double` field (always written: 0 is a meaningful sample value). */
  double(field: number, value: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.len);
    this.len += 8;
  }

  /** Appends bytes that are already encoded fields (e.g. another writer's {@link view}). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** The bytes written so far, without copying; valid until the next write. */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** The encoded bytes (a copy; the writer may be discarded). */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
