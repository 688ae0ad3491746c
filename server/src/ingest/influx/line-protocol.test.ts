import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLineProtocol, parsePrecision, timestampToMs } from './line-protocol.js';
import { influxPointsToSeries } from './to-series.js';

describe('parseLineProtocol', () => {
  it('reads the documented example with every field type and escapes', () => {
    const { points, errors } = parseLineProtocol('cpu,host=a,region=eu usage_idle=98.5,procs=12i,ok=t,note="x \\"y\\"",big=3u 1465839830100400200\n');
    expect(errors).toEqual([]);
    expect(points).toEqual([
      {
        measurement: 'cpu',
        tags: [
          ['host', 'a'],
          ['region', 'eu'],
        ],
        fields: [
          { key: 'usage_idle', kind: 'float', value: 98.5 },
          { key: 'procs', kind: 'int', value: 12 },
          { key: 'ok', kind: 'bool', value: true },
          { key: 'note', kind: 'string', value: 'x "y"' },
          { key: 'big', kind: 'uint', value: 3 },
        ],
        timestamp: 1465839830100400200n,
        line: 1,
      },
    ]);
  });

  it('unescapes commas, spaces and equals signs in names, skips comments and blank lines', () => {
    const { points, errors } = parseLineProtocol('# comment\n\nmy\\ meas\\,x,tag\\ key=va\\=l\\,ue f\\=1=-1e3\r\n');
    expect(errors).toEqual([]);
    expect(points[0]).toMatchObject({ measurement: 'my meas,x', tags: [['tag key', 'va=l,ue']], fields: [{ key: 'f=1', value: -1000 }], line: 3 });
  });

  it.each([
    ['cpu', /missing fields/],
    ['cpu value=', /missing value of field "value"/],
    ['cpu value=abc', /invalid value "abc"/],
    ['cpu,host value=1', /missing "=" after tag key "host"/],
    ['cpu value=1 12x', /invalid timestamp "12x"/],
    ['cpu value="open', /unterminated string/],
    ['cpu value=1 1 extra', /unexpected text/],
    [',host=a value=1', /missing measurement/],
  ])('reports %j as a bad line and goes on with the next', (line, message) => {
    const { points, errors } = parseLineProtocol(`${line}\nok value=1`);
    expect(errors).toEqual([{ line: 1, text: line, message: expect.stringMatching(message) }]);
    expect(points.map((p) => p.measurement)).toEqual(['ok']);
  });

  it('never throws and accounts for every non-blank line, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const { points, errors } = parseLineProtocol(text);
        for (const e of errors) expect(e.line).toBeGreaterThan(0);
        expect(points.length + errors.length).toBeLessThanOrEqual(text.split('\n').length);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('precision and series mapping', () => {
  it.each([
    ['n', 1465839830100400200n, 1465839830100],
    ['u', 1465839830100400n, 1465839830100],
    ['ms', 1465839830100n, 1465839830100],
    ['s', 1465839830n, 1465839830000],
    ['m', 2n, 120000],
    ['h', 1n, 3600000],
  ])('precision %s reads %d as %d ms', (p, ts, ms) => {
    expect(timestampToMs(ts, parsePrecision(p)!)).toBe(ms);
  });

  it('refuses an unknown precision', () => {
    expect(parsePrecision('days')).toBeUndefined();
  });

  it('names series <measurement>_<field>, keeps tags as labels, booleans as 1/0 and counts string fields', () => {
    const { points } = parseLineProtocol('disk,host=a,path=/var used=5i,ok=false,label="x" 1000\ndisk,host=a,path=/var used=6i 2000');
    const { series, stringFields } = influxPointsToSeries(points, 'ms', 0);
    expect(stringFields).toBe(1);
    expect(series.map((s) => [s.labels.map((l) => `${l.name}=${l.value}`).join(','), Array.from(s.timestampsMs), Array.from(s.values)])).toEqual([
      ['__name__=disk_used,host=a,path=/var', [1000, 2000], [5, 6]],
      ['__name__=disk_ok,host=a,path=/var', [1000], [0]],
    ]);
  });
});
