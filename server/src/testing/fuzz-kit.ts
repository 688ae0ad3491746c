import fc from 'fast-check';

/**
 * Shared pieces of the decoder property tests (`*.property.test.ts`) and the HTTP fuzz: run
 * counts that scale with `VIGIL_LONG_TESTS`, an independent protobuf writer for round trips, and
 * arbitraries that damage valid messages. Test code only; the server never imports it.
 */

/** True when the long variant was asked for (`VIGIL_LONG_TESTS=1`): 20× the runs. */
export const LONG_TESTS = process.env.VIGIL_LONG_TESTS === '1';

/**
 * Runs for one property: `base` in CI, 20× `base` with `VIGIL_LONG_TESTS=1`. Both variants run the
 * same properties; only the number of generated inputs differs.
 *
 * @example fc.assert(property, { numRuns: fuzzRuns(500) })
 */
export function fuzzRuns(base: number): number {
  return LONG_TESTS ? base * 20 : base;
}

/** A test timeout in ms that leaves room for the long variant. */
export function fuzzTimeoutMs(baseMs: number): number {
  return LONG_TESTS ? baseMs * 25 : baseMs;
}

// ---------------------------------------------------------------------------------------------
// A protobuf writer written from the wire-format spec, sharing no code with the decoders, so a
// round trip through it checks the decoder against the spec rather than against itself.

/** One encoded field, or a whole message: raw bytes. */
export type Bytes = Uint8Array;

/** The varint encoding of `n` (negative int64 values as 10-byte two's complement). */
export function pbVarint(n: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Concatenates fields into one message body. */
export function pbMessage(fields: readonly Bytes[]): Bytes {
  return Buffer.concat(fields);
}

/** A varint field (wire type 0). */
export function pbVarintField(field: number, n: number | bigint): Bytes {
  return pbMessage([pbVarint(field * 8), pbVarint(n)]);
}

/** A length-delimited field (wire type 2). */
export function pbBytesField(field: number, bytes: Bytes): Bytes {
  return pbMessage([pbVarint(field * 8 + 2), pbVarint(bytes.length), bytes]);
}

/** A UTF-8 string field. */
export function pbStringField(field: number, s: string): Bytes {
  return pbBytesField(field, Buffer.from(s, 'utf8'));
}

/** A little-endian double field (wire type 1). */
export function pbDoubleField(field: number, v: number): Bytes {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return pbMessage([pbVarint(field * 8 + 1), b]);
}

/** A fixed64 field (wire type 1), unsigned. */
export function pbFixed64Field(field: number, v: bigint): Bytes {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return pbMessage([pbVarint(field * 8 + 1), b]);
}

/** A packed repeated fixed64 (`asDouble` false) or double field. */
export function pbPacked64Field(field: number, values: ReadonlyArray<number | bigint>, asDouble: boolean): Bytes {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => {
    if (asDouble) b.writeDoubleLE(Number(v), i * 8);
    else b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), i * 8);
  });
  return pbBytesField(field, b);
}

/** An unknown field of each wire type, which every decoder must skip. */
export const unknownPbField: fc.Arbitrary<Bytes> = fc.oneof(
  fc.tuple(fc.integer({ min: 20, max: 2000 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map(([f, v]) => pbVarintField(f, v)),
  fc.tuple(fc.integer({ min: 20, max: 2000 }), fc.uint8Array({ maxLength: 12 })).map(([f, b]) => pbBytesField(f, b)),
  fc.tuple(fc.integer({ min: 20, max: 2000 }), fc.double()).map(([f, v]) => pbDoubleField(f, v)),
  fc
    .tuple(fc.integer({ min: 20, max: 2000 }), fc.uint8Array({ minLength: 4, maxLength: 4 }))
    .map(([f, b]) => pbMessage([pbVarint(f * 8 + 5), b])),
);

// ---------------------------------------------------------------------------------------------
// Damage.

/** One way of damaging a message. */
export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

/** Up to 4 mutations; positions are fractions of the length, so they fit any message. */
export const mutations: fc.Arbitrary<Array<{ m: Mutation; frac: number }>> = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constant<Mutation>({ kind: 'truncate', at: 0 }),
      fc.integer({ min: 1, max: 255 }).map((mask): Mutation => ({ kind: 'flip', at: 0, mask })),
      fc.constantFrom(0, 0x7f, 0x80, 0xff, 0x0a, 0x22).map((byte): Mutation => ({ kind: 'set', at: 0, byte })),
      fc.uint8Array({ minLength: 1, maxLength: 6 }).map((bytes): Mutation => ({ kind: 'insert', at: 0, bytes })),
      fc.integer({ min: 1, max: 8 }).map((count): Mutation => ({ kind: 'delete', at: 0, count })),
    ),
    fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  ).map(([m, frac]) => ({ m, frac })),
  { minLength: 1, maxLength: 4 },
);

/** Applies `list` to a copy of `input`. */
export function mutate(input: Uint8Array, list: ReadonlyArray<{ m: Mutation; frac: number }>): Buffer {
  let b = Buffer.from(input);
  for (const { m, frac } of list) {
    const at = Math.floor(frac * b.length);
    switch (m.kind) {
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'flip':
        if (b.length > 0) b[at] = b[at]! ^ m.mask;
        break;
      case 'set':
        if (b.length > 0) b[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.count)]);
        break;
    }
  }
  return b;
}

/** Applies `list` to the UTF-8 bytes of `text` and decodes the result (lossily) back to text. */
export function mutateText(text: string, list: ReadonlyArray<{ m: Mutation; frac: number }>): string {
  return mutate(Buffer.from(text, 'utf8'), list).toString('utf8');
}

/** Arbitrary bytes of at most `maxLength`, biased towards protobuf-looking prefixes. */
export function fuzzBytes(maxLength = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength }),
    // Short tags and lengths make it past the first checks far more often than uniform bytes.
    fc.array(fc.oneof(fc.constantFrom(0x0a, 0x12, 0x08, 0x10, 0x09, 0x11, 0x1a, 0x22, 0x2a, 0x01, 0x02, 0x80, 0xff), fc.integer({ min: 0, max: 255 })), {
      maxLength,
    }).map((a) => Uint8Array.from(a)),
  );
}

/**
 * Runs `decode` and classifies the outcome: a value, or an error accepted by `isTyped`. Any other
 * exception (a TypeError, a RangeError from an out-of-range read, ...) is rethrown, so the
 * property fails and fast-check shrinks the input that caused it.
 */
export function decodeOrTypedError<T>(decode: () => T, isTyped: (err: unknown) => boolean): { ok: true; value: T } | { ok: false; error: Error } {
  try {
    return { ok: true, value: decode() };
  } catch (err) {
    if (isTyped(err)) {
      const message = (err as Error).message;
      if (typeof message !== 'string' || message.length === 0) throw new Error(`typed error without a message: ${String(err)}`);
      return { ok: false, error: err as Error };
    }
    throw err;
  }
}
