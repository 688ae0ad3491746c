import { compressSync, uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { encodeRemoteWrite } from './remote-write-encoder.js';
import { snappyCompress } from './snappy-compress.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const roundTrip = (input: Uint8Array) => {
  const compressed = snappyCompress(input);
  expect(Buffer.compare(uncompressSync(compressed) as Buffer, Buffer.from(input))).toBe(0);
  return compressed.length;
};

describe('snappyCompress', () => {
  it('round-trips through the reference decoder: empty, tiny, text, random, repetitive, long runs, across fragments', () => {
    roundTrip(new Uint8Array(0));
    roundTrip(Buffer.from('a'));
    roundTrip(Buffer.from('abcdefghijklmn'));
    const text = Buffer.from('node_cpu_seconds_total{cpu="0",mode="idle",host="web-1"} 12345.67\n'.repeat(5000));
    expect(roundTrip(text)).toBeLessThan(text.length / 10);
    const random = prng(1);
    const noise = Buffer.from(Array.from({ length: 200_000 }, () => Math.floor(random() * 256)));
    expect(roundTrip(noise)).toBeLessThan(noise.length * 1.01);
    roundTrip(Buffer.alloc(300_000, 7));
    // Mixed: runs of copies at every distance and length, including 1-byte-offset copies.
    for (let seed = 2; seed < 40; seed++) {
      const r = prng(seed);
      const parts: number[] = [];
      const size = Math.floor(r() * 150_000);
      while (parts.length < size) {
        if (parts.length > 16 && r() < 0.5) {
          const back = 1 + Math.floor(r() * Math.min(parts.length, r() < 0.5 ? 2047 : 70_000));
          const len = 1 + Math.floor(r() * (r() < 0.2 ? 300 : 12));
          for (let k = 0; k < len; k++) parts.push(parts[parts.length - back]!);
        } else parts.push(Math.floor(r() * (r() < 0.5 ? 4 : 256)));
      }
      roundTrip(Buffer.from(parts));
    }
  });

  it('compresses what the agent sends about as well as the native addon', () => {
    const samples = Array.from({ length: 500 }, (_, i) => ({
      name: 'node_network_receive_bytes_total',
      labels: { device: `eth${i % 4}`, host: `web-${i % 20}`, group: 'web' },
      value: i * 1234.5,
      timestampMs: 1_800_000_000_000 + i,
    }));
    const body = encodeRemoteWrite(samples);
    const raw = uncompressSync(body) as Buffer;
    const native = compressSync(raw).length;
    console.log(`remote_write body: ${raw.length} B raw, ${body.length} B here, ${native} B native`);
    expect(body.length).toBeLessThan(native * 1.15);
  });
});
