import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './agent-config.js';
import { parseDurationMs, parseSizeBytes } from './units.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'agent.yml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line ?? '-'}:${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('applies defaults to an empty file', () => {
    const c = parseConfig('');
    expect(c.server).toBeUndefined();
    expect(c.stateDir).toBe('/var/lib/vigil-agent');
    expect(c.metrics.intervalMs).toBe(15_000);
    expect(c.metrics.host.collectors).toContain('filesystem');
    expect(c.queue).toEqual({ maxBytes: 256 << 20, fsync: true });
    expect(Object.isFrozen(c.metrics)).toBe(true);
  });

  it('reads a full file: durations, sizes, label sets, scrape jobs and log sources', () => {
    const c = parseConfig(`
server: { url: "http://127.0.0.1:9400/", apiKey: s3cret, tenant: team-a, timeout: 5s }
host: web-1
labels: { group: web, env: prod }
stateDir: /tmp/vigil-state
metrics:
  interval: 1m30s
  host: { collectors: [stat, meminfo], netDevicesExclude: "^(lo|docker.*)$" }
  scrape:
    - job: app
      targets: ["127.0.0.1:8080", "10.0.0.2:8080"]
      path: /prom
      labels: { team: a }
logs:
  sources:
    - paths: [/var/log/app/*.log]
      labels: { job: app }
      startAt: beginning
      maxLineSize: 16KiB
      multiline: { startPattern: '^\\d{4}-', timeout: 2s }
queue: { maxSize: 64MiB }
send: { minBackoff: 100ms, maxBackoff: 10s }
`);
    expect(c.server).toMatchObject({ url: 'http://127.0.0.1:9400', tenant: 'team-a', timeoutMs: 5000 });
    expect(c.server!.apiKey!.reveal()).toBe('s3cret');
    expect(JSON.stringify(c.server)).not.toContain('s3cret');
    expect(c.labels).toEqual({ group: 'web', env: 'prod' });
    expect(c.metrics.intervalMs).toBe(90_000);
    expect(c.metrics.host.collectors).toEqual(['stat', 'meminfo']);
    expect(c.metrics.host.options.netDevicesExclude.test('docker0')).toBe(true);
    expect(c.metrics.scrape[0]).toEqual({
      job: 'app',
      urls: ['http://127.0.0.1:8080/prom', 'http://10.0.0.2:8080/prom'],
      timeoutMs: 10_000,
      labels: { team: 'a' },
    });
    const src = c.logs.sources[0]!;
    expect(src).toMatchObject({ paths: ['/var/log/app/*.log'], startAt: 'beginning', maxLineBytes: 16384 });
    expect(src.multiline).toMatchObject({ maxLines: 500, timeoutMs: 2000 });
    expect(src.multiline!.startPattern.test('2024-01-01')).toBe(true);
    expect(c.queue.maxBytes).toBe(64 << 20);
  });

  it('reports every problem with its line and path', () => {
    expect(
      problems(`server:
  url: ftp://x
  apiKey: k
metrics:
  interval: soon
  hots: {}
logs:
  sources:
    - paths: [relative/*.log]
      startAt: middle
      multiline: { startPattern: "(" }
labels: { "bad-name": x }
send: { minBackoff: 2s, maxBackoff: 1s }
`),
    ).toEqual([
      '2:server.url: must be an http(s) URL such as "http://127.0.0.1:9400", got "ftp://x"',
      '5:metrics.interval: must be a duration such as "250ms", "15s", "1m", got "soon"',
      '6:metrics: unknown field "hots"; known fields: interval, host, scrape',
      '9:logs.sources[0].paths[0]: must be an absolute path or glob, got "relative/*.log"',
      '10:logs.sources[0].startAt: must be one of "beginning", "end", got "middle"',
      expect.stringMatching(/^11:logs.sources\[0\].multiline.startPattern: invalid regular expression/),
      '12:labels.bad-name: invalid label name "bad-name"; must match ^[a-zA-Z_][a-zA-Z0-9_]*$',
      '13:send.maxBackoff: must be at least send.minBackoff (2000ms)',
    ]);
  });

  it.each([
    ['scrape job without targets', 'metrics: { scrape: [ { job: a } ] }', /needs at least one entry in "targets"/],
    ['duplicate scrape jobs', 'metrics: { scrape: [ { job: a, targets: ["h:1"] }, { job: a, targets: ["h:2"] } ] }', /duplicate job name "a"/],
    ['target with a scheme', 'metrics: { scrape: [ { job: a, targets: ["http://h:1"] } ] }', /must be "host:port"/],
    ['unknown collector', 'metrics: { host: { collectors: [cpuu] } }', /must be one of "stat"/],
    ['host in static labels', 'labels: { host: x }', /set by the agent/],
    ['missing key file', 'server: { url: "http://h:1", apiKeyFile: /nonexistent/key }', /cannot read the key file: ENOENT/],
    ['YAML syntax', 'labels: {', /\(syntax\)/],
    ['duplicate key', 'host: a\nhost: b', /\(syntax\)/],
    ['two YAML documents', 'host: a\n---\nhost: b', /\(syntax\): expected one YAML document, found 2/],
    ['server without url', 'server:\n  url:\n  apiKey: k', /^2:server: missing field "url"/],
  ])('rejects %s', (_, yaml, message) => {
    expect(problems(yaml).join('\n')).toMatch(message);
  });

  it('follows YAML anchors and aliases', () => {
    const c = parseConfig(`
labels: &common { group: web }
metrics: { scrape: [ { job: app, targets: ["h:1"], labels: *common } ] }
`);
    expect(c.metrics.scrape[0]!.labels).toEqual({ group: 'web' });
  });

  it('reports YAML syntax errors with their line and column', () => {
    expect(() => parseConfig('server:\n  url: "http://h:1"\n\tapiKey: k\n', 'agent.yml')).toThrow(
      /agent.yml:3:1: \(syntax\): tab characters must not be used in indentation/,
    );
  });

  it('formats the error message as file:line:column: path: message', () => {
    expect(() => parseConfig('queue: { maxSize: lots }', 'agent.yml')).toThrow(
      /agent.yml:1:19: queue.maxSize: must be a size such as "16KiB"/,
    );
  });
});

describe('units', () => {
  it.each([
    ['250ms', 250],
    ['15s', 15_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['0', 0],
    ['15', undefined],
    ['s', undefined],
  ])('parseDurationMs(%j) = %j', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each([
    ['512', 512],
    ['16KiB', 16384],
    ['1MB', 1_000_000],
    ['256MiB', 256 * 1024 * 1024],
    ['1 GiB', 1024 ** 3],
    ['12 parsecs', undefined],
  ])('parseSizeBytes(%j) = %j', (text, bytes) => {
    expect(parseSizeBytes(text)).toBe(bytes);
  });
});
