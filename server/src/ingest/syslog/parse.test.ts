import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SyslogFrameDecoder } from './framing.js';
import { syslogToEntry } from './listeners.js';
import { parseSyslog } from './parse.js';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

describe('parseSyslog', () => {
  it('reads RFC 5424 with structured data, as rsyslog and logger send it', () => {
    const m = parseSyslog('<132>1 2026-11-22T02:55:15.082887+00:00 vm myapp 42 ID7 [timeQuality tzKnown="1" isSynced="0"][ex@32473 k="a \\"q\\""] hello structured world\n', NOW);
    expect(m).toEqual({
      facility: 16,
      severity: 4,
      tsNs: BigInt(Date.UTC(2026, 10, 22, 2, 55, 15, 82)) * 1_000_000n + 887_000n,
      hostname: 'vm',
      appName: 'myapp',
      procId: '42',
      msgId: 'ID7',
      structuredData: { timeQuality_tzKnown: '1', timeQuality_isSynced: '0', ex_32473_k: 'a "q"' },
      message: 'hello structured world',
    });
  });

  it('reads RFC 5424 with nil fields and a BOM before the message', () => {
    const m = parseSyslog('<14>1 - - - - - - \uFEFFplain', NOW);
    expect(m).toMatchObject({ facility: 1, severity: 6, hostname: '', appName: '', structuredData: {}, message: 'plain', tsNs: BigInt(NOW) * 1_000_000n });
  });

  it.each([
    ['<132>Nov 22 02:55:15 vm myapp hello structured world', { hostname: 'vm', appName: 'myapp', procId: '', message: 'hello structured world' }],
    ['<11>Nov  2 10:00:00 web-1 nginx[812]: upstream timed out', { hostname: 'web-1', appName: 'nginx', procId: '812', message: 'upstream timed out', severity: 3 }],
    ['<13>Nov 22 02:55:15 cron: job done', { hostname: '', appName: 'cron', message: 'job done' }],
    ['no priority at all', { facility: 1, severity: 5, message: 'no priority at all' }],
  ])('reads RFC 3164 %j', (text, expected) => {
    expect(parseSyslog(text, NOW)).toMatchObject(expected);
  });

  it('puts RFC 3164 times in the year closest to now', () => {
    const jan = Date.UTC(2027, 0, 1, 0, 30);
    const ns = parseSyslog('<13>Dec 31 23:59:00 h app: x', jan).tsNs;
    expect(new Date(Number(ns / 1_000_000n)).getFullYear()).toBe(2026);
  });

  it('maps to labels host, app, facility and level, with structured data, procid and msgid as metadata', () => {
    const m = parseSyslog('<132>1 2026-11-22T02:55:15Z vm myapp 42 - [a b="c"] hi', NOW);
    expect(syslogToEntry(m, '10.0.0.1')).toEqual({
      labels: [
        { name: 'app', value: 'myapp' },
        { name: 'facility', value: 'local0' },
        { name: 'host', value: 'vm' },
        { name: 'level', value: 'warning' },
      ],
      entry: { tsNs: BigInt(Date.UTC(2026, 10, 22, 2, 55, 15)) * 1_000_000n, line: 'hi', metadata: { a_b: 'c', procid: '42' } },
    });
    expect(syslogToEntry(parseSyslog('x', NOW), '10.0.0.1').labels.find((l) => l.name === 'host')?.value).toBe('10.0.0.1');
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `<13>1 ${s}`), fc.string().map((s) => `<13>Nov 22 02:55:15 ${s}`)), (text) => {
        const m = parseSyslog(text, NOW);
        expect(m.severity).toBeLessThan(8);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('SyslogFrameDecoder', () => {
  const frames = (chunks: string[], max = 100) => {
    const d = new SyslogFrameDecoder(max);
    const out = chunks.flatMap((c) => d.push(Buffer.from(c)));
    return [...out, ...d.end()].map((b) => b.toString());
  };

  it('detects octet counting and LF framing per frame, across chunk boundaries', () => {
    expect(frames(['11 <13>1 - a b', '\n<13>x\n', '5 <1>ab<14>tail'])).toEqual(['<13>1 - a b', '<13>x', '<1>ab', '<14>tail']);
    expect(frames(['1', '0 <13>12345', '67\n'])).toEqual(['<13>123456', '7']);
  });

  it('cuts frames over the limit and skips their rest', () => {
    expect(frames([`20 ${'a'.repeat(20)}<1>next\n`], 8)).toEqual(['aaaaaaaa', '<1>next']);
    expect(frames([`<1>${'b'.repeat(20)}`, `${'b'.repeat(5)}\n<2>ok\n`], 8)).toEqual(['<1>bbbbb', '<2>ok']);
  });

  it('reads a digit-led line without a valid count as an LF frame', () => {
    expect(frames(['12x hello\n<1>ok\n'])).toEqual(['12x hello', '<1>ok']);
  });

  it('delivers every message, counted or LF-framed, however the stream is split', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.stringMatching(/^<[0-9]{1,2}>[a-z ]{0,20}$/), fc.boolean()), { minLength: 1, maxLength: 10 }), fc.array(fc.nat(200), { maxLength: 5 }), (msgs, cuts) => {
        const text = msgs.map(([m, counted]) => (counted ? `${Buffer.byteLength(m)} ${m}` : `${m}\n`)).join('');
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const p of [...points, text.length]) {
          chunks.push(text.slice(prev, p));
          prev = p;
        }
        expect(frames(chunks, 1000)).toEqual(msgs.map(([m]) => m));
      }),
      { numRuns: 500 },
    );
  });
});
