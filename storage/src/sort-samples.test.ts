import { describe, expect, it } from 'vitest';
import { sortSamples } from './metric-store.js';

/** The reference: a stable sort by timestamp, then the last of equal timestamps kept. */
function reference(ts: number[], vals: number[]): Array<[number, number]> {
  const order = ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const out: Array<[number, number]> = [];
  for (const i of order) {
    if (out.length > 0 && out[out.length - 1]![0] === ts[i]) out.pop();
    out.push([ts[i]!, vals[i]!]);
  }
  return out;
}

describe('sortSamples', () => {
  it('merges sorted runs in read order, the last of equal timestamps winning', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 300; trial++) {
      // 1–7 sorted runs of random timestamps (duplicates within and across runs).
      const ts: number[] = [];
      const runs = 1 + Math.floor(rnd() * 7);
      for (let r = 0; r < runs; r++) {
        const len = Math.floor(rnd() * 40);
        const run = Array.from({ length: len }, () => Math.floor(rnd() * 100)).sort((a, b) => a - b);
        ts.push(...run);
      }
      const vals = ts.map((_, i) => i);
      // A view into a larger buffer, as readSamples passes it (its own slice, which may be reused).
      const buf = new Float64Array(ts.length + 4).fill(-1);
      buf.set(ts, 2);
      const out = sortSamples(buf.subarray(2, 2 + ts.length), Float64Array.from(vals), new Uint8Array(ts.length));
      const got = Array.from(out.ts).map((t, i): [number, number] => [t, out.vals[i]!]);
      expect(got).toEqual(reference(ts, vals));
      // Nothing outside the series' own slice is touched.
      expect([buf[0], buf[1], buf[ts.length + 2], buf[ts.length + 3]]).toEqual([-1, -1, -1, -1]);
    }
  });
});
