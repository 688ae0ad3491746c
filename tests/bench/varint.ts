/** Size of a non-negative integer (up to 2^53) as a protobuf varint. */
export function varintSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint: ${n} is not a non-negative safe integer`);
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes a non-negative integer (up to 2^53) as a varint; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  // Division instead of bit shifts: JavaScript shifts truncate to 32 bits, timestamps need 41.
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}
