import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandGlob } from './glob.js';
import { detectLevel } from './level-detector.js';
import { LineSplitter, type SplitLine } from './line-splitter.js';
import { MultilineJoiner } from './multiline-joiner.js';
import { NanoClock } from './nano-clock.js';

describe('LineSplitter', () => {
  it('keeps exact byte offsets across chunks, multi-byte characters and CRLF', () => {
    const s = new LineSplitter(100);
    const out: SplitLine[] = [];
    const data = Buffer.from('ab\r\nçé\nlast');
    s.push(data.subarray(0, 3), 0, (l) => out.push(l));
    s.push(data.subarray(3, 6), 3, (l) => out.push(l));
    s.push(data.subarray(6), 6, (l) => out.push(l));
    expect(out).toEqual([
      { text: 'ab', endOffset: 4, truncatedBytes: 0 },
      { text: 'çé', endOffset: 9, truncatedBytes: 0 },
    ]);
    expect(s.hasPartial).toBe(true);
    s.flush(13, (l) => out.push(l));
    expect(out[2]).toEqual({ text: 'last', endOffset: 13, truncatedBytes: 0 });
  });

  it('lets the caller reuse its chunk buffer: an unfinished line is copied', () => {
    const s = new LineSplitter(100);
    const out: SplitLine[] = [];
    const buf = Buffer.alloc(8);
    buf.write('one\ntw');
    s.push(buf.subarray(0, 6), 0, (l) => out.push(l));
    buf.fill(0x78).write('o\nthree\n');
    s.push(buf.subarray(0, 8), 6, (l) => out.push(l));
    expect(out.map((l) => l.text)).toEqual(['one', 'two', 'three']);
  });

  it('cuts a long line at the limit and counts the rest without buffering it', () => {
    const s = new LineSplitter(5);
    const out: SplitLine[] = [];
    s.push(Buffer.from('0123456789'), 0, (l) => out.push(l));
    s.push(Buffer.from('abc\nok\n'), 10, (l) => out.push(l));
    expect(out).toEqual([
      { text: '01234', endOffset: 14, truncatedBytes: 8 },
      { text: 'ok', endOffset: 17, truncatedBytes: 0 },
    ]);
  });
});

describe('MultilineJoiner', () => {
  it('joins continuation lines to the record before them and flushes on the next start, max lines or idleness', () => {
    const out: string[] = [];
    const j = new MultilineJoiner({ startPattern: /^\d{4}-/, maxLines: 3, timeoutMs: 100 }, (r) => out.push(`${r.text}@${r.endOffset}`));
    j.push('  orphan', 9, 0);
    j.push('2024-01-01 Exception', 30, 0);
    j.push('  at a()', 39, 0);
    j.push('2024-01-02 next', 55, 0);
    j.push('  1', 59, 0);
    j.push('  2', 63, 0);
    j.push('  3', 67, 0);
    j.flushIfIdle(50);
    expect(out).toEqual(['  orphan@9', '2024-01-01 Exception\n  at a()@39', '2024-01-02 next\n  1\n  2@63']);
    j.flushIfIdle(100);
    expect(out.at(-1)).toBe('  3@67');
  });
});

describe('detectLevel', () => {
  it.each([
    ['{"level":"warning","msg":"disk"}', 'warn'],
    ['{"level":50,"msg":"pino error"}', 'error'],
    ['{"severity":"ERROR"}', 'error'],
    ['{"log":{"level":"debug"}}', 'debug'],
    ['ts=2024-01-01T00:00:00Z level=info msg="started"', 'info'],
    ['time=x lvl=crit', 'critical'],
    ['level="error" msg=x', 'error'],
    ['2024-01-01 12:00:00,123 [ERROR] payment failed', 'error'],
    ['WARNING:root:low disk', 'warn'],
    ['Jan  1 00:00:00 web-1 app[12]: FATAL cannot bind', 'fatal'],
    ['E0101 12:00:00.000 klog style', undefined],
    ['an error happened in lower case', undefined],
    ['{"msg":"no level"}', undefined],
  ])('reads %j as %j', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });
});

describe('expandGlob', () => {
  const root = mkdtempSync(join(tmpdir(), 'vigil-glob-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'a/b'), { recursive: true });
  for (const f of ['x.log', 'y.log', 'y.log.1', '.hidden.log', 'a/z.log', 'a/b/deep.log', 'a/b/n.txt']) writeFileSync(join(root, f), '');

  it.each([
    ['*.log', ['x.log', 'y.log']],
    ['?.log*', ['x.log', 'y.log', 'y.log.1']],
    ['[xz].log', ['x.log']],
    ['**/*.log', ['a/b/deep.log', 'a/z.log', 'x.log', 'y.log']],
    ['a/*/*.txt', ['a/b/n.txt']],
    ['x.log', ['x.log']],
    ['missing/*.log', []],
  ])('expands %s', async (pattern, expected) => {
    expect(await expandGlob(join(root, pattern))).toEqual(expected.map((f) => join(root, f)));
  });
});

describe('NanoClock', () => {
  it('never repeats or goes backwards within one millisecond', () => {
    const clock = new NanoClock(() => 5);
    expect([clock.next(), clock.next(), clock.next()]).toEqual([5_000_000n, 5_000_001n, 5_000_002n]);
  });
});
