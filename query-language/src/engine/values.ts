import type { Labels } from '../types.js';

/**
 * One series of an instant vector evaluated over every step of an evaluation: `values[i]` holds
 * the sample at step `i` when `present[i]` is 1. Arrays are owned by the node that created them.
 */
export interface StepSeries {
  labels: Labels;
  values: Float64Array;
  present: Uint8Array;
}

/** One series of a range vector: its samples (stale markers removed), sorted by time. */
export interface MatrixSeries {
  labels: Labels;
  timestampsMs: Float64Array;
  values: Float64Array;
}

/** The value of a node over all steps of an evaluation. */
export type EvalValue =
  | { kind: 'vector'; series: StepSeries[] }
  | { kind: 'scalar'; values: Float64Array }
  | { kind: 'string'; value: string }
  | {
      kind: 'matrix';
      series: MatrixSeries[];
      rangeMs: number;
      /** The window end at each step (evaluation time adjusted by `@` and `offset`). */
      endsMs: Float64Array;
    };

/** Creates an empty step series with the given labels. */
export function newStepSeries(labels: Labels, steps: number): StepSeries {
  return { labels, values: new Float64Array(steps), present: new Uint8Array(steps) };
}

/** The index of the first element of sorted `arr` that is > `value` (binary search). */
export function upperBound(arr: ArrayLike<number>, value: number, lo = 0, hi = arr.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
