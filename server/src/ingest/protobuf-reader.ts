/**
 * A minimal protobuf wire-format reader over a byte array, enough for the ingest decoders.
 * Every read checks bounds and throws {@link ProtobufError} on malformed input, so a corrupt body
 * becomes a 400, never an out-of-bounds read or an endless loop.
 */
export class ProtobufError extends Error {
  readonly code = 'bad_protobuf';
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

/** Wire types of the protobuf encoding. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** Cursor over `buf[pos..end)`. */
export class ProtobufReader {
  pos: number;
  readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    readonly end = buf.length,
    view?: DataView,
  ) {
    this.pos = pos;
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A reader over `[start, end)` of the same buffer, sharing this reader's DataView. */
  sub(start: number, end: number): ProtobufReader {
    return new ProtobufReader(this.buf, start, end, this.view);
  }

  /** True while bytes remain before `end`. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** Reads a varint as a JS number (exact up to 2^53; larger values lose precision, as int64 ms never are). */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** Reads an int64 varint, mapping two's-complement negatives back to negative numbers. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (v < 2 ** 63) return v;
    // A negative value is a 10-byte varint near 2^64, where a double cannot hold the low bits
    // (-1 would come out as 0); redo this rare case exactly.
    let exact = 0n;
    for (let p = this.pos - 1; p >= start; p--) exact = (exact << 7n) | BigInt(this.buf[p]! & 0x7f);
    return Number(BigInt.asIntN(64, exact));
  }

  /** Reads a field tag; returns `[fieldNumber, wireType]`. */
  tag(): [number, number] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    if (field === 0) throw new ProtobufError('field number 0');
    return [field, t & 7];
  }

  /** Reads a length prefix and returns the end offset of the delimited bytes. */
  lengthDelimitedEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new ProtobufError(`length ${len} runs past the end of the message`);
    return end;
  }

  /** Reads a little-endian double. */
  double(): number {
    if (this.pos + 8 > this.end) throw new ProtobufError('truncated double');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE.VARINT:
        this.varint();
        return;
      case WIRE.I64:
        this.pos += 8;
        break;
      case WIRE.LEN:
        this.pos = this.lengthDelimitedEnd();
        return;
      case WIRE.I32:
        this.pos += 4;
        break;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new ProtobufError('truncated field');
  }
}
