import { snappyCompress } from './snappy-compress.js';
import { ProtoWriter } from '../protobuf/proto-writer.js';
import type { Sample } from '../types.js';

/**
 * Encodes samples as a Prometheus remote_write 1.0 `WriteRequest` and compresses it with snappy's
 * block format, ready to POST with `Content-Encoding: snappy`. Samples of the same series become
 * one `TimeSeries` with samples in time order; labels (including `__name__`) are sorted by name
 * and empty values are left out, as the spec requires.
 *
 * @example
 * const body = encodeRemoteWrite([{ name: 'up', labels: { job: 'a' }, value: 1, timestampMs: Date.now() }]);
 */
export function encodeRemoteWrite(samples: readonly Sample[]): Buffer {
  const series = new Map<string, { labels: [string, string][]; samples: Sample[] }>();
  for (const s of samples) {
    const labels: [string, string][] = [['__name__', s.name]];
    for (const [k, v] of Object.entries(s.labels)) if (v !== '') labels.push([k, v]);
    labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const key = labels.map(([k, v]) => `${k}\xff${v}`).join('\xfe');
    let entry = series.get(key);
    if (!entry) {
      entry = { labels, samples: [] };
      series.set(key, entry);
    }
    entry.samples.push(s);
  }
  const w = new ProtoWriter();
  for (const { labels, samples: ss } of series.values()) {
    ss.sort((a, b) => a.timestampMs - b.timestampMs);
    w.message(1, (ts) => {
      for (const [name, value] of labels) {
        ts.message(1, (l) => {
          l.string(1, name);
          l.string(2, value);
        });
      }
      for (const s of ss) {
        ts.message(2, (m) => {
          m.double(1, s.value);
          m.int64(2, Math.round(s.timestampMs));
        });
      }
    });
  }
  return snappyCompress(w.finish());
}
