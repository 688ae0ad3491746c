import type { AlignedData } from './series';

/** A capacity change: at `atMs`, desired capacity went from `from` to `to`. */
export interface CapacityChange {
  atMs: number;
  from: number;
  to: number;
}

/**
 * Desired capacity over `startMs..endMs` as a step series for the graph: the value before the
 * first change in the range is that change's `from` (or `fallback` when nothing changed), then
 * each change's `to` from its time on; the last value is carried to `endMs`. `changes` may come
 * in any order; only `scaled` entries should be given (suppressed ones do not change capacity).
 *
 * @example capacitySeries([{ atMs: 2000, from: 2, to: 4 }], 0, 5000, 3).ys[0] // [2, 4, 4]
 */
export function capacitySeries(changes: readonly CapacityChange[], startMs: number, endMs: number, fallback: number): AlignedData {
  const inRange = changes.filter((c) => c.atMs >= startMs && c.atMs <= endMs).sort((a, b) => a.atMs - b.atMs);
  const xs = [startMs / 1000];
  const ys: number[] = [inRange[0]?.from ?? fallback];
  for (const c of inRange) {
    xs.push(c.atMs / 1000);
    ys.push(c.to);
  }
  xs.push(endMs / 1000);
  ys.push(ys[ys.length - 1]!);
  return { xs, ys: [ys], names: ['desired capacity'], labels: [{}] };
}
