import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSeriesSelector } from '../../api/selector.js';
import { type IngestFixture, createIngestFixture } from '../../testing/ingest-routes.js';
import { type SyslogListeners, startSyslogListeners } from './listeners.js';

const run = promisify(execFile);

function requireBinary(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install ${pkg}`);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('syslog listeners with real senders', () => {
  let f: IngestFixture;
  let syslog: SyslogListeners;
  const errors: unknown[] = [];
  beforeEach(async () => {
    f = await createIngestFixture();
    errors.length = 0;
    syslog = await startSyslogListeners({ udpPort: 0, tcpPort: 0, flushIntervalMs: 50, onError: (e) => errors.push(e) }, f.ingest);
  });
  afterEach(async () => {
    await syslog.stop();
    await f.close();
  });

  /** Polls storage until `selector` has lines (or 10 s pass). */
  const lines = async (selector: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { entries, streams } = await f.storage.logs.read('default', {
        matchers: parseSeriesSelector(selector),
        startNs: 0n,
        endNs: BigInt(Date.now() + 3_600_000) * 1_000_000n,
        direction: 'forward',
        limit: 0,
      });
      if (entries.length > 0 || Date.now() > deadline) {
        return entries.map((e) => ({ line: e.line, metadata: e.metadata, labels: Object.fromEntries(streams.get(e.streamId)!.labels.map((l) => [l.name, l.value])) }));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('logger --tcp --octet-count --rfc5424 arrives with host, app, facility and level labels', async () => {
    requireBinary('/usr/bin/logger', 'bsdutils (util-linux logger)');
    await run('logger', ['--tcp', '--octet-count', '--rfc5424', '-n', '127.0.0.1', '-P', String(syslog.tcpPort), '-t', 'myapp', '-p', 'local0.warning', 'disk almost full']);
    const got = await lines('{app="myapp"}');
    expect(got).toHaveLength(1);
    expect(got[0]!.line).toBe('disk almost full');
    expect(got[0]!.labels).toMatchObject({ app: 'myapp', facility: 'local0', level: 'warning', host: expect.any(String) });
    expect(got[0]!.metadata).toMatchObject({ timeQuality_tzKnown: '1' });
    expect(errors).toEqual([]);
  });

  it('logger --udp --rfc3164 arrives with the tag as app', async () => {
    requireBinary('/usr/bin/logger', 'bsdutils (util-linux logger)');
    await run('logger', ['--udp', '--rfc3164', '-n', '127.0.0.1', '-P', String(syslog.udpPort), '-t', 'cronjob', '-p', 'cron.err', 'backup failed']);
    const got = await lines('{app="cronjob"}');
    expect(got.map((g) => [g.line, g.labels.facility, g.labels.level])).toEqual([['backup failed', 'cron', 'error']]);
  });

  it('rsyslog omfwd over LF-framed TCP (traditional format) and octet-counted RFC 5424 both arrive', async () => {
    requireBinary('/usr/sbin/rsyslogd', 'rsyslog');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rsyslog-'));
    const inject = await freePort();
    writeFileSync(
      join(dir, 'rs.conf'),
      `global(workDirectory="${dir}")
module(load="imtcp")
input(type="imtcp" port="${inject}" address="127.0.0.1")
action(type="omfwd" target="127.0.0.1" port="${syslog.tcpPort}" protocol="tcp")
action(type="omfwd" target="127.0.0.1" port="${syslog.tcpPort}" protocol="tcp" template="RSYSLOG_SyslogProtocol23Format" TCP_Framing="octet-counted")
`,
    );
    const child = spawn('/usr/sbin/rsyslogd', ['-n', '-f', join(dir, 'rs.conf'), '-i', join(dir, 'rs.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const ok = await new Promise<boolean>((resolve) => {
          const s = connect(inject, '127.0.0.1', () => {
            s.end();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        });
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`rsyslogd did not listen on ${inject}: ${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await run('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(inject), '-t', 'relayed', '-p', 'local3.info', 'via rsyslog']);
      let got = await lines('{app="relayed"}');
      for (let i = 0; i < 50 && got.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        got = await lines('{app="relayed"}');
      }
      expect(got.map((g) => [g.line, g.labels.facility, g.labels.level]), output).toEqual([
        ['via rsyslog', 'local3', 'informational'],
        ['via rsyslog', 'local3', 'informational'],
      ]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
