/**
 * A minimal protobuf decoder, used by tests and by the queue's inspection tools to read back what
 * {@link ProtoWriter} wrote. Yields `[field, wireType, value]`; value is a bigint for varints, a
 * Buffer for length-delimited fields and a number for 64-bit doubles.
 *
 * @example
 * for (const [field, , value] of readFields(bytes)) if (field === 1) console.log(value);
 */
export function* readFields(buf: Uint8Array): Generator<[number, number, bigint | Buffer | number]> {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = b[pos++];
      if (byte === undefined) throw new Error('truncated varint');
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < b.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    const wire = tag & 7;
    switch (wire) {
      case 0:
        yield [field, wire, varint()];
        break;
      case 1:
        yield [field, wire, b.readDoubleLE(pos)];
        pos += 8;
        break;
      case 2: {
        const len = Number(varint());
        yield [field, wire, b.subarray(pos, pos + len)];
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
  }
}
