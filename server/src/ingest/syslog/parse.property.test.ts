import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzRuns, mutate, mutateText, mutations } from '../../testing/fuzz-kit.js';
import { SyslogFrameDecoder } from './framing.js';
import { parseSyslog } from './parse.js';

// RFC 5424 §6 and RFC 3164 §4.1 messages, and RFC 6587 framing (octet counting and LF), built
// from their grammars.

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const printable = fc.stringMatching(/^[!-~]{1,12}$/).filter((s) => s !== '-');
const sdName = fc.stringMatching(/^[a-zA-Z0-9_]{1,8}$/);
const sdValue = fc.string({ maxLength: 10, unit: 'grapheme' });

const msg5424 = fc.record({
  pri: fc.integer({ min: 0, max: 191 }),
  tsMs: fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2100, 0, 1) }),
  micros: fc.integer({ min: 0, max: 999 }),
  host: printable,
  app: printable,
  procId: printable,
  msgId: printable,
  sd: fc.array(fc.tuple(sdName, fc.array(fc.tuple(sdName, sdValue), { minLength: 1, maxLength: 2 })), { maxLength: 2 }),
  message: fc.string({ maxLength: 40, unit: 'grapheme' }).map((s) => s.replace(/[\r\n\0]+$/, '')),
});

interface Msg5424 {
  pri: number;
  tsMs: number;
  micros: number;
  host: string;
  app: string;
  procId: string;
  msgId: string;
  sd: Array<[string, Array<[string, string]>]>;
  message: string;
}

function format5424(m: Msg5424): string {
  const ts = new Date(m.tsMs).toISOString().replace('Z', `${String(m.micros).padStart(3, '0')}+00:00`);
  const sd = m.sd.length === 0 ? '-' : m.sd.map(([id, params]) => `[${id} ${params.map(([k, v]) => `${k}="${v.replace(/["\\\]]/g, '\\$&')}"`).join(' ')}]`).join('');
  return `<${m.pri}>1 ${ts} ${m.host} ${m.app} ${m.procId} ${m.msgId} ${sd} ${m.message}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const msg3164 = fc.record({
  pri: fc.integer({ min: 0, max: 191 }),
  host: fc.stringMatching(/^[a-zA-Z0-9.-]{1,12}$/),
  tag: fc.stringMatching(/^[a-zA-Z0-9_.-]{1,20}$/),
  pid: fc.option(fc.integer({ min: 1, max: 99999 }).map(String), { nil: undefined }),
  message: fc.string({ maxLength: 40, unit: 'grapheme' }).map((s) => s.replace(/[\r\n\0]+$/, '')),
});

describe('the syslog parser, on generated input', () => {
  it('never throws on arbitrary text and keeps facility and severity in range', () => {
    const soup = fc
      .array(fc.oneof(fc.constantFrom('<13>', '<191>', '<999>', '1 ', '-', ' ', '[', ']', '="', '"', '\\', 'Nov 22 02:55:15 ', '2026-11-22T02:55:15.1+00:00', ':', '\uFEFF'), fc.string({ maxLength: 4 })), { maxLength: 30 })
      .map((a) => a.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), soup), (text) => {
        const m = parseSyslog(text, NOW);
        expect(m.facility).toBeGreaterThanOrEqual(0);
        expect(m.facility).toBeLessThanOrEqual(23);
        expect(m.severity).toBeGreaterThanOrEqual(0);
        expect(m.severity).toBeLessThanOrEqual(7);
        expect(typeof m.tsNs).toBe('bigint');
      }),
      { numRuns: fuzzRuns(3000) },
    );
  });

  it('reads back every field of an RFC 5424 message', () => {
    fc.assert(
      fc.property(msg5424, (m) => {
        const out = parseSyslog(format5424(m), NOW);
        expect(out).toEqual({
          facility: Math.floor(m.pri / 8),
          severity: m.pri % 8,
          tsNs: BigInt(m.tsMs) * 1_000_000n + BigInt(m.micros) * 1000n,
          hostname: m.host,
          appName: m.app,
          procId: m.procId,
          msgId: m.msgId,
          structuredData: Object.fromEntries(m.sd.flatMap(([id, params]) => params.map(([k, v]) => [`${id}_${k}`, v]))),
          message: m.message,
        });
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('reads back host, tag, pid and message of an RFC 3164 message', () => {
    fc.assert(
      fc.property(msg3164, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 1, max: 28 }), (m, month, day) => {
        const text = `<${m.pri}>${MONTHS[month]} ${String(day).padStart(2, ' ')} 02:55:15 ${m.host} ${m.tag}${m.pid ? `[${m.pid}]` : ''}: ${m.message}`;
        const out = parseSyslog(text, NOW);
        expect([out.facility, out.severity, out.hostname, out.appName, out.procId, out.message]).toEqual([Math.floor(m.pri / 8), m.pri % 8, m.host, m.tag, m.pid ?? '', m.message]);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('never throws on damaged messages', () => {
    fc.assert(
      fc.property(msg5424, mutations, (m, damage) => {
        parseSyslog(mutateText(format5424(m), damage), NOW);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});

describe('the syslog TCP framing, on generated input', () => {
  const MAX = 256;
  const messages = fc.array(
    fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }).map((s) => `<13>1 - h a - - - ${s.replace(/[\r\n]/g, ' ')}`.trimEnd()),
    { minLength: 1, maxLength: 6 },
  );
  const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });

  function feed(stream: Buffer, at: number[]): { out: string[]; maxBuffered: number } {
    const decoder = new SyslogFrameDecoder(MAX);
    const points = [...new Set(at.map((x) => Math.floor(x * stream.length)))].sort((a, b) => a - b);
    const out: string[] = [];
    let prev = 0;
    let maxBuffered = 0;
    for (const p of [...points, stream.length]) {
      out.push(...decoder.push(stream.subarray(prev, p)).map((b) => b.toString('utf8')));
      maxBuffered = Math.max(maxBuffered, (decoder as unknown as { buf: Buffer }).buf.length);
      prev = p;
    }
    out.push(...decoder.end().map((b) => b.toString('utf8')));
    return { out, maxBuffered };
  }

  it('gives the same messages however the stream is cut, octet-counted or LF-framed, and caps each at the frame limit', () => {
    fc.assert(
      fc.property(messages, fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), cuts, (list, counted, at) => {
        const stream = Buffer.concat(
          list.map((m, i) => {
            const b = Buffer.from(m, 'utf8');
            return counted[i] ? Buffer.concat([Buffer.from(`${b.length} `), b]) : Buffer.concat([b, Buffer.from('\n')]);
          }),
        );
        const whole = feed(stream, []);
        const pieces = feed(stream, at);
        expect(pieces.out).toEqual(whole.out);
        expect(whole.out.map((m) => Buffer.from(m).length <= MAX * 4)).not.toContain(false);
        // Buffered bytes stay bounded by one frame (plus its length prefix), never by the stream.
        expect(pieces.maxBuffered).toBeLessThanOrEqual(MAX + 12);
        list.forEach((m, i) => {
          const b = Buffer.from(m, 'utf8');
          if (b.length <= MAX) expect(whole.out[i]).toBe(m);
        });
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it('never throws on arbitrary and damaged streams', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 1200 }), messages.map((l) => Buffer.from(l.map((m) => `${Buffer.byteLength(m)} ${m}`).join('')))), mutations, cuts, (bytes, damage, at) => {
        const { maxBuffered } = feed(mutate(bytes, damage), at);
        expect(maxBuffered).toBeLessThanOrEqual(MAX + 1300);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
