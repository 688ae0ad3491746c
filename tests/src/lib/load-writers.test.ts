import { describe, expect, it } from 'vitest';
import type { ExportedSeries } from './export-reader.js';
import { type Ledger, LoadWriters, compareWithLedger, summarize } from './load-writers.js';

// The crash and shutdown suites pass only if this comparison is right, so it gets its own cases:
// each kind of damage they exist to catch must show up in the summary.

const metric = { __name__: 'm', writer: 'w0', series: 's0' };
const key = (ts: number) => LoadWriters.sampleKey(metric, ts);
const ledger: Ledger = {
  sent: new Map([
    [key(1), 1.5],
    [key(2), 2.5],
    [key(3), 3.5],
  ]),
  acked: new Map([
    [key(1), 1.5],
    [key(2), 2.5],
  ]),
};
const line = (timestamps: number[], values: number[]): ExportedSeries => ({ metric, timestamps, values });

describe('compareWithLedger', () => {
  it.each<{ name: string; exported: ExportedSeries[]; problem: RegExp }>([
    { name: 'an acknowledged sample is missing', exported: [line([1], [1.5])], problem: /^1 missing \(e\.g\. w0\/s0@2\)/ },
    { name: 'a value differs', exported: [line([1, 2], [1.5, 9])], problem: /1 wrong value \(e\.g\. w0\/s0@2: read 9, sent 2\.5\)/ },
    { name: 'a timestamp repeats', exported: [line([1, 2, 2], [1.5, 2.5, 2.5])], problem: /1 duplicated/ },
    { name: 'a series is split over two lines', exported: [line([1], [1.5]), line([2], [2.5])], problem: /1 duplicated \(e\.g\. series/ },
    { name: 'a sample was never sent', exported: [line([1, 2, 7], [1.5, 2.5, 7])], problem: /1 unknown \(e\.g\. w0\/s0@7 = 7\)/ },
  ])('reports it when $name', ({ exported, problem }) => {
    expect(summarize(compareWithLedger(exported, ledger))).toMatch(problem);
  });

  it('accepts a stored sample whose acknowledgement was lost, and counts it', () => {
    const result = compareWithLedger([line([1, 2, 3], [1.5, 2.5, 3.5])], ledger);
    expect(summarize(result)).toBe('no problems');
    expect(result).toMatchObject({ readBack: 3, unackedButStored: 1 });
  });
});
