import { describe, expect, it } from 'vitest';
import { decodeLokiPush, decodeRemoteWrite } from '../testing/decoders.js';
import { encodeLokiPush, formatLokiLabels, LokiPushBuilder } from './loki-push-encoder.js';
import { encodeRemoteWrite } from './remote-write-encoder.js';

describe('encodeRemoteWrite', () => {
  it('groups samples by series, sorts labels including __name__, drops empty values, orders samples by time', () => {
    const body = encodeRemoteWrite([
      { name: 'node_load1', labels: { zone: 'a', host: 'web-1', empty: '' }, value: 0.5, timestampMs: 2000 },
      { name: 'node_load1', labels: { host: 'web-1', zone: 'a' }, value: 0.25, timestampMs: 1000 },
      { name: 'up', labels: {}, value: 0, timestampMs: 1000 },
      { name: 'neg', labels: {}, value: -1.5, timestampMs: -5 },
    ]);
    expect(decodeRemoteWrite(body)).toEqual([
      {
        labels: [
          ['__name__', 'node_load1'],
          ['host', 'web-1'],
          ['zone', 'a'],
        ],
        samples: [
          { value: 0.25, timestampMs: 1000 },
          { value: 0.5, timestampMs: 2000 },
        ],
      },
      { labels: [['__name__', 'up']], samples: [{ value: 0, timestampMs: 1000 }] },
      { labels: [['__name__', 'neg']], samples: [{ value: -1.5, timestampMs: -5 }] },
    ]);
  });

  it('keeps the bit pattern of NaN and infinities', () => {
    const [s] = decodeRemoteWrite(encodeRemoteWrite([{ name: 'x', labels: {}, value: Number.POSITIVE_INFINITY, timestampMs: 1 }]));
    expect(s!.samples[0]!.value).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('encodeLokiPush', () => {
  it('groups entries into streams with selector-syntax labels and nanosecond timestamps', () => {
    const body = encodeLokiPush([
      { labels: { job: 'app', host: 'h' }, timestampNs: 1_700_000_000_123_456_789n, line: 'first' },
      { labels: { job: 'db' }, timestampNs: 5n, line: 'other "stream"' },
      { labels: { host: 'h', job: 'app' }, timestampNs: 1_700_000_001_000_000_000n, line: 'ünïcode' },
    ]);
    expect(decodeLokiPush(body)).toEqual([
      {
        labels: '{host="h", job="app"}',
        entries: [
          { timestampNs: 1_700_000_000_123_456_789n, line: 'first' },
          { timestampNs: 1_700_000_001_000_000_000n, line: 'ünïcode' },
        ],
      },
      { labels: '{job="db"}', entries: [{ timestampNs: 5n, line: 'other "stream"' }] },
    ]);
  });

  it('builds the same request entry by entry (LokiPushBuilder), keeping entries until cleared', () => {
    const app = { job: 'app' };
    const b = new LokiPushBuilder();
    b.add(app, 1n, 'a1');
    b.add({ job: 'db' }, 2n, 'd1');
    b.add({ job: 'app' }, 3n, 'a2'); // another object with the same labels: the same stream
    b.add(app, 4n, 'x'.repeat(300));
    expect(b.entries).toBe(4);
    const expected = encodeLokiPush([
      { labels: app, timestampNs: 1n, line: 'a1' },
      { labels: { job: 'db' }, timestampNs: 2n, line: 'd1' },
      { labels: app, timestampNs: 3n, line: 'a2' },
      { labels: app, timestampNs: 4n, line: 'x'.repeat(300) },
    ]);
    expect(b.encode().equals(expected)).toBe(true);
    expect(b.encode().equals(expected)).toBe(true);
    b.clear();
    expect(b.entries).toBe(0);
    b.add(app, 5n, 'after');
    expect(decodeLokiPush(b.encode())).toEqual([{ labels: '{job="app"}', entries: [{ timestampNs: 5n, line: 'after' }] }]);
  });

  it('escapes quotes and backslashes in label values', () => {
    expect(formatLokiLabels({ path: 'C:\\x "y"' })).toBe('{path="C:\\\\x \\"y\\""}');
  });
});

describe('ProtoWriter lengths', () => {
  it('encodes nested messages of every length class (1-, 2- and 3-byte lengths)', () => {
    const linesIn = ['', 'x'.repeat(127), 'y'.repeat(128), 'z'.repeat(20_000)];
    const body = encodeLokiPush(linesIn.map((line, i) => ({ labels: { i: String(i) }, timestampNs: BigInt(i), line })));
    expect(decodeLokiPush(body).map((s) => s.entries[0]!.line)).toEqual(linesIn);
  });
});
