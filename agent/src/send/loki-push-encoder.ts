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
  const b = new LokiPushBuilder();
  for (const e of entries) b.add(e.labels, e.timestampNs, e.line);
  return b.encode();
}

/**
 * Builds a Loki `PushRequest` one entry at a time: each entry is encoded into its stream's buffer
 * as it arrives, so a batch waiting to be sent holds bytes, not thousands of small objects (which
 * would outlive V8's young generation and grow the old one). {@link encode} gives the same bytes
 * as {@link encodeLokiPush} of the same entries.
 *
 * @example
 * const b = new LokiPushBuilder();
 * b.add({ job: 'app' }, 1n, 'hi');
 * const body = b.encode();
 * b.clear();
 */
export class LokiPushBuilder {
  private count = 0;
  /** Encoded `EntryAdapter`s per stream, by formatted labels, in first-seen order. */
  private streams = new Map<string, ProtoWriter>();
  /** Tailers reuse one labels object per file and level, so formatting once per object is enough. */
  private readonly formatted = new WeakMap<Labels, string>();

  /** Entries added since the last {@link clear}. */
  get entries(): number {
    return this.count;
  }

  /** Adds one entry to the stream of `labels`. */
  add(labels: Labels, timestampNs: bigint, line: string): void {
    let key = this.formatted.get(labels);
    if (key === undefined) {
      key = formatLokiLabels(labels);
      this.formatted.set(labels, key);
    }
    let w = this.streams.get(key);
    if (!w) {
      w = new ProtoWriter();
      this.streams.set(key, w);
    }
    w.message(2, (entry) => {
      entry.message(1, (ts) => {
        ts.int64(1, timestampNs / 1_000_000_000n);
        ts.int64(2, Number(timestampNs % 1_000_000_000n));
      });
      entry.string(2, line);
    });
    this.count++;
  }

  /** The snappy-compressed `PushRequest` of the entries added so far (they stay until {@link clear}). */
  encode(): Buffer {
    const w = new ProtoWriter();
    for (const [labels, entries] of this.streams) {
      w.message(1, (s) => {
        s.string(1, labels);
        s.raw(entries.view());
      });
    }
    return snappyCompress(w.finish());
  }

  /** Forgets every entry. */
  clear(): void {
    this.streams = new Map();
    this.count = 0;
  }
}

/** Formats labels as a LogQL stream selector with sorted names: `{host="a", job="app"}`. */
export function formatLokiLabels(labels: Labels): string {
  const parts = Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `{${parts.join(', ')}}`;
}
