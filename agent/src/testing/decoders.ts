import { uncompressSync } from 'snappy';
import { readFields } from '../protobuf/proto-reader.js';

/** One decoded remote_write series: labels in wire order and its samples. */
export interface DecodedSeries {
  labels: [string, string][];
  samples: { value: number; timestampMs: number }[];
}

/** Decodes a snappy-compressed remote_write `WriteRequest` (test helper). */
export function decodeRemoteWrite(body: Uint8Array): DecodedSeries[] {
  const out: DecodedSeries[] = [];
  for (const [f, , ts] of readFields(uncompressSync(body) as Buffer)) {
    if (f !== 1) continue;
    const series: DecodedSeries = { labels: [], samples: [] };
    for (const [tf, , v] of readFields(ts as Buffer)) {
      if (tf === 1) {
        let name = '';
        let value = '';
        for (const [lf, , lv] of readFields(v as Buffer)) {
          if (lf === 1) name = (lv as Buffer).toString('utf8');
          if (lf === 2) value = (lv as Buffer).toString('utf8');
        }
        series.labels.push([name, value]);
      } else if (tf === 2) {
        let value = 0;
        let timestampMs = 0;
        for (const [sf, , sv] of readFields(v as Buffer)) {
          if (sf === 1) value = sv as number;
          if (sf === 2) timestampMs = Number(BigInt.asIntN(64, sv as bigint));
        }
        series.samples.push({ value, timestampMs });
      }
    }
    out.push(series);
  }
  return out;
}

/** One decoded Loki stream. */
export interface DecodedStream {
  labels: string;
  entries: { timestampNs: bigint; line: string }[];
}

/** Decodes a snappy-compressed Loki `PushRequest` (test helper). */
export function decodeLokiPush(body: Uint8Array): DecodedStream[] {
  const out: DecodedStream[] = [];
  for (const [f, , s] of readFields(uncompressSync(body) as Buffer)) {
    if (f !== 1) continue;
    const stream: DecodedStream = { labels: '', entries: [] };
    for (const [sf, , v] of readFields(s as Buffer)) {
      if (sf === 1) stream.labels = (v as Buffer).toString('utf8');
      if (sf === 2) {
        let seconds = 0n;
        let nanos = 0n;
        let line = '';
        for (const [ef, , ev] of readFields(v as Buffer)) {
          if (ef === 1) {
            for (const [tf, , tv] of readFields(ev as Buffer)) {
              if (tf === 1) seconds = tv as bigint;
              if (tf === 2) nanos = tv as bigint;
            }
          }
          if (ef === 2) line = (ev as Buffer).toString('utf8');
        }
        stream.entries.push({ timestampNs: seconds * 1_000_000_000n + nanos, line });
      }
    }
    out.push(stream);
  }
  return out;
}
