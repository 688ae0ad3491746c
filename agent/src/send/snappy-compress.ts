/**
 * Snappy block compression (the raw format remote_write and Loki push use, not the framed one) in
 * plain JavaScript. The agent used the native `snappy` addon, which alone adds ~8 MiB of resident
 * memory to a process whose whole budget is 60 MiB; the agent compresses a few hundred KiB per
 * second at most, where this is fast enough.
 *
 * The encoder follows the reference design: the input is cut into 64 KiB fragments compressed
 * independently; in each, a hash of the next 4 bytes finds an earlier occurrence, matches are
 * extended and emitted as copies (1-byte offsets when short and near, else 2-byte offsets), and
 * everything else as literals. Output is valid for any Snappy decoder.
 */

const FRAGMENT = 1 << 16;
const HASH_BITS = 14;
const TABLE = new Int32Array(1 << HASH_BITS);

function hash(u32: number): number {
  return Math.imul(u32, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function load32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

class Out {
  buf: Uint8Array;
  pos = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }
  byte(v: number): void {
    this.buf[this.pos++] = v;
  }
  varint(v: number): void {
    while (v >= 0x80) {
      this.byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.byte(v);
  }
  literal(src: Uint8Array, from: number, to: number): void {
    const n = to - from - 1;
    if (n < 0) return;
    if (n < 60) this.byte(n << 2);
    else if (n < 0x100) {
      this.byte(60 << 2);
      this.byte(n);
    } else if (n < 0x10000) {
      this.byte(61 << 2);
      this.byte(n & 0xff);
      this.byte(n >>> 8);
    } else {
      this.byte(62 << 2);
      this.byte(n & 0xff);
      this.byte((n >>> 8) & 0xff);
      this.byte(n >>> 16);
    }
    this.buf.set(src.subarray(from, to), this.pos);
    this.pos += to - from;
  }
  copy(offset: number, length: number): void {
    // Long matches go out as 64-byte copies, keeping at least 4 bytes for the last one.
    while (length >= 68) {
      this.copy2(offset, 64);
      length -= 64;
    }
    if (length > 64) {
      this.copy2(offset, 60);
      length -= 60;
    }
    if (length >= 4 && length <= 11 && offset < 2048) {
      this.byte(((offset >>> 8) << 5) | ((length - 4) << 2) | 1);
      this.byte(offset & 0xff);
    } else this.copy2(offset, length);
  }
  private copy2(offset: number, length: number): void {
    this.byte(((length - 1) << 2) | 2);
    this.byte(offset & 0xff);
    this.byte(offset >>> 8);
  }
}

/** The largest output {@link snappyCompress} can produce for `n` input bytes. */
export function maxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

/**
 * Compresses `input` into a Snappy block.
 *
 * @example
 * snappyCompress(Buffer.from('hello hello hello')); // decodes back with any Snappy decoder
 */
export function snappyCompress(input: Uint8Array): Buffer {
  const out = new Out(maxCompressedLength(input.length));
  out.varint(input.length);
  for (let start = 0; start < input.length; start += FRAGMENT) compressFragment(input, start, Math.min(input.length, start + FRAGMENT), out);
  return Buffer.from(out.buf.buffer, out.buf.byteOffset, out.pos);
}

function compressFragment(src: Uint8Array, start: number, end: number, out: Out): void {
  let literalStart = start;
  if (end - start >= 15) {
    TABLE.fill(-1);
    const limit = end - 4;
    let i = start;
    let skip = 32;
    while (i <= limit) {
      const word = load32(src, i);
      const h = hash(word);
      const candidate = TABLE[h]!;
      TABLE[h] = i;
      if (candidate >= start && load32(src, candidate) === word) {
        out.literal(src, literalStart, i);
        let length = 4;
        while (i + length < end && src[candidate + length] === src[i + length]) length++;
        out.copy(i - candidate, length);
        i += length;
        literalStart = i;
        skip = 32;
        // Keep the table warm with the position just before the next search.
        if (i - 1 <= limit) TABLE[hash(load32(src, i - 1))] = i - 1;
        continue;
      }
      // Data that does not compress is skipped over faster and faster (as the reference does).
      i += skip++ >>> 5;
    }
  }
  out.literal(src, literalStart, end);
}
