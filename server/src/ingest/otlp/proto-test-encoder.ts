/**
 * A tiny protobuf writer for tests: builds OTLP messages field by field so tests can send exactly
 * the bytes they mean (including wrong wire types and truncations). Not used by the server.
 *
 * @example
 * const kv = msg([str(1, 'route'), len(2, msg([str(1, '/a')]))]);
 */

/** One encoded field. */
export type Field = number[];

function varintBytes(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Concatenates fields into a message body. */
export function msg(fields: Field[]): number[] {
  return fields.flat();
}

/** A varint field. */
export function vint(field: number, n: number | bigint): Field {
  return [...varintBytes(field * 8), ...varintBytes(n)];
}

/** A length-delimited field holding `bytes`. */
export function len(field: number, bytes: number[] | Uint8Array): Field {
  return [...varintBytes(field * 8 + 2), ...varintBytes(bytes.length), ...bytes];
}

/** A string field. */
export function str(field: number, s: string): Field {
  return len(field, [...Buffer.from(s, 'utf8')]);
}

/** A fixed64 field (unsigned). */
export function fixed64(field: number, n: bigint): Field {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return [...varintBytes(field * 8 + 1), ...b];
}

/** A double field. */
export function double(field: number, v: number): Field {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...varintBytes(field * 8 + 1), ...b];
}

/** A packed repeated double/fixed64 field. */
export function packed64(field: number, values: number[], asDouble: boolean): Field {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => {
    if (asDouble) b.writeDoubleLE(v, i * 8);
    else b.writeBigUInt64LE(BigInt(v), i * 8);
  });
  return len(field, b);
}

/** `KeyValue{key, value: AnyValue{string_value}}`. */
export function attr(key: string, value: string): number[] {
  return msg([str(1, key), len(2, msg([str(1, value)]))]);
}
