import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_LIMITS, limitsFor, parseConfig } from './config.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'vigil.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line ?? '-'}:${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('applies defaults when there is no file', () => {
    const c = parseConfig(undefined);
    expect(c.listen).toBe('127.0.0.1:9400');
    expect(c.dataDir).toBe('./data');
    expect(c.retentionMs).toBe(30 * 86_400_000);
    expect(c.limits).toEqual(DEFAULT_LIMITS);
    expect(Object.isFrozen(c.limits)).toBe(true);
  });

  it('reads durations, sizes and per-tenant overrides', () => {
    const c = parseConfig(`
retention: 7d
maxRequestSize: 8MiB
limits: { ingestionRate: 500, ingestionBurst: 1000 }
tenants:
  team-a:
    retention: 0
    limits: { maxActiveSeries: 10 }
`);
    expect(c.retentionMs).toBe(7 * 86_400_000);
    expect(c.maxRequestBytes).toBe(8 * 1024 * 1024);
    expect(c.tenants['team-a']!.retentionMs).toBe(0);
    expect(limitsFor(c, 'team-a')).toMatchObject({ maxActiveSeries: 10, ingestionRate: 500 });
    expect(limitsFor(c, 'other').maxActiveSeries).toBe(DEFAULT_LIMITS.maxActiveSeries);
  });

  it('reports every problem with its path and line', () => {
    expect(
      problems(`retention: forever
limits:
  ingestionRate: -1
  evalInterval: 5s
tenants:
  "..": {}
`),
    ).toEqual([
      '1:retention: must be a duration such as "30s", "5m", "30d" (or 0), got "forever"',
      '3:limits.ingestionRate: must be at least 1, got -1',
      '4:limits: unknown field "evalInterval"; known fields: ingestionRate, ingestionBurst, maxActiveSeries, maxLabelsPerSeries, maxLabelNameLength, maxLabelValueLength, maxSampleAge, creationGracePeriod, logIngestionRate, logIngestionBurst, maxStreams, maxLineSize, maxStreamLabels, maxLogAge',
      '6:tenants[".."]: tenant id must match [A-Za-z0-9_.-]{1,64} and not be "." or ".."',
    ]);
  });

  it('explains a cross-field rule the way a user would fix it', () => {
    expect(problems('limits: { ingestionRate: 100, ingestionBurst: 10 }')[0]).toMatch(
      /limits.ingestionBurst: must be at least limits.ingestionRate \(100\)/,
    );
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(problems('http: { headersTimeout: 30s, requestTimeout: 20s }')[0]).toMatch(/http.headersTimeout: must not exceed http.requestTimeout \(20000 ms\)/);
    expect(parseConfig('http: { requestTimeout: 20s, maxConnections: 100 }').http).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 20_000,
      keepAliveTimeoutMs: 65_000,
      maxConnections: 100,
    });
  });

  it('reports YAML syntax errors with a line', () => {
    expect(problems('listen: [unclosed')[0]).toMatch(/^\d+:/);
  });

  it('rejects a listen address that is not host:port', () => {
    expect(problems('listen: localhost')[0]).toMatch(/listen: "localhost" is not host:port/);
  });
});

describe('logRetention', () => {
  it('parses selector rules at load time, globally and per tenant', () => {
    const c = parseConfig(`
logRetention:
  - { selector: '{level="debug"}', retention: 3d }
tenants:
  team-a:
    logRetention:
      - { selector: '{app="audit"}', retention: 400d }
`);
    expect(c.logRetention[0]).toMatchObject({ retentionMs: 3 * 86_400_000, matchers: [{ name: 'level', op: '=', value: 'debug' }] });
    expect(c.tenants['team-a']!.logRetention![0]!.retentionMs).toBe(400 * 86_400_000);
  });

  it('reports a bad selector or duration with its position in the list', () => {
    expect(problems("logRetention:\n  - { selector: '{level=}', retention: 3d }\n  - { selector: '{a=\"b\"}', retention: soon }\n")).toEqual([
      '2:logRetention[0]: invalid parameter "selector": 1:8: parse error: unexpected "}" in label matching, expected string',
      '3:logRetention[1]: retention must be a duration such as "3d", got "soon"',
    ]);
  });
});
