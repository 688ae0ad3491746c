import { snappyCompress } from './snappy-compress.js';
import { ProtoWriter } from '../protobuf/proto-writer.js';
import type { Labels, LogEntry } from '../types.js';

/**
 * Encodes log entries as a Loki `PushRequest` (grafana/loki `pkg/push/push.proto`) compressed with
 * snappy's block format, for `POST /loki/api/v1/push` with `Content-Type: application/x-protobuf`.
 * Entries with the same labels form one stream, in the order given; the stream's labels are
 * written in selector syntax (`{a="1", b="2"}`) with sorted names.
 *
 * @example
 * const body = encodeLokiPush([{ labels: { job: 'app' }, timestampNs: 1n, line: 'hi' }]);
 */
export function encodeLokiPush(entries: readonly LogEntry[]): Buffer {
  const streams = new Map<string, LogEntry[]>();
  // Tailers reuse one labels object per file and level, so formatting once per object is enough.
  const formatted = new Map<Labels, string>();
  for (const e of entries) {
    let key = formatted.get(e.labels);
    if (key === undefined) {
      key = formatLokiLabels(e.labels);
      formatted.set(e.labels, key);
    }
    let list = streams.get(key);
    if (!list) {
      list = [];
      streams.set(key, list);
    }
    list.push(e);
  }
  const w = new ProtoWriter();
  for (const [labels, list] of streams) {
    w.message(1, (s) => {
      s.string(1, labels);
      for (const e of list) {
        s.message(2, (entry) => {
          entry.message(1, (ts) => {
            ts.int64(1, e.timestampNs / 1_000_000_000n);
            ts.int64(2, Number(e.timestampNs % 1_000_000_000n));
          });
          entry.string(2, e.line);
        });
      }
    });
  }
  return snappyCompress(w.finish());
}

/** Formats labels as a LogQL stream selector with sorted names: `{host="a", job="app"}`. */
export function formatLokiLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}
