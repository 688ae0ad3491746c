/**
 * FNV-1a over about 64 bytes of `buf[start, end)` (every n-th byte plus the last 16) and the
 * length: a cheap, allocation-free key for caches of decoded byte runs (remote_write label sets,
 * OTLP attribute lists). It need not be exact: callers confirm a hit byte for byte and cap their
 * collision chains, so crafted collisions cannot make lookups slow.
 */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  const step = Math.max(1, Math.floor((end - start) / 48));
  for (let i = start; i < end; i += step) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  for (let i = Math.max(start, end - 16); i < end; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
