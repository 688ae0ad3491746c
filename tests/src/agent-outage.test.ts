/**
 * The agent through a server outage, with the real binaries: the server is stopped while the agent
 * keeps tailing a file that receives lines (10/s) and collecting host metrics (every second); the
 * agent itself is restarted in the middle of the outage; then the server comes back. Every line
 * written during the outage must be queryable exactly once, and the metric collections made
 * during the outage must have arrived.
 *
 * The outage lasts 20 s in the normal suite and 10 minutes with `VIGIL_LONG_TESTS=1` (the issue's
 * figure); `VIGIL_OUTAGE_SECONDS` overrides both.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useProcessManager } from './lib/process-manager.js';
import { TEST_ROOT_KEY, startVigil } from './lib/vigil-server.js';
import { pollUntil } from './lib/wait.js';

const AGENT_BIN = fileURLToPath(new URL('../../agent/dist/bin/vigil-agent.js', import.meta.url));
const processes = useProcessManager();
const OUTAGE_S = Number(process.env.VIGIL_OUTAGE_SECONDS ?? (process.env.VIGIL_LONG_TESTS === '1' ? 600 : 20));

describe('vigil-agent through a server outage', () => {
  it(`loses and repeats nothing across a ${OUTAGE_S} s outage and an agent restart during it`, async () => {
    const vigil = await startVigil(processes);
    const dir = processes.tempDir('agent-outage');
    const logFile = join(dir, 'app.log');
    writeFileSync(logFile, '');
    const config = join(dir, 'agent.yml');
    writeFileSync(
      config,
      [
        'server:',
        `  url: ${vigil.url}`,
        `  apiKey: ${TEST_ROOT_KEY}`,
        '  tenant: outage',
        'host: outage-host',
        `stateDir: ${join(dir, 'state')}`,
        'metrics:',
        '  interval: 1s',
        'logs:',
        '  pollInterval: 100ms',
        '  batchWait: 200ms',
        '  sources:',
        `    - paths: [${logFile}]`,
        '      labels: { job: outage }',
        '      startAt: beginning',
        '',
      ].join('\n'),
    );
    let agent = processes.spawn('vigil-agent', process.execPath, [AGENT_BIN, '--config', config]);
    let n = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        appendFileSync(logFile, `line ${++n}\n`);
        await sleep(100);
      }
    })();
    /** Every line of the stream, oldest first, read in pages of 5,000 (Loki's limit). */
    const count = async () => {
      const out: string[] = [];
      let start = BigInt(Date.now() - 7_200_000) * 1_000_000n;
      const end = BigInt(Date.now() + 60_000) * 1_000_000n;
      for (;;) {
        const data = await vigil.getData<{ result: Array<{ values: [string, string][] }> }>(
          `/loki/api/v1/query_range?query=${encodeURIComponent('{job="outage"}')}&start=${start}&end=${end}&limit=5000&direction=forward`,
          { tenant: 'outage' },
        );
        const page = data.result.flatMap((s) => s.values).sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
        out.push(...page.map((v) => v[1]));
        if (page.length < 5000) return out;
        start = BigInt(page[page.length - 1]![0]) + 1n;
      }
    };
    try {
      await pollUntil({ what: 'first lines before the outage', timeoutMs: 20_000 }, async () => ((await count()).length > 5 ? true : undefined));
      const stopped = await vigil.stop();
      expect(stopped.code).toBe(0);
      const outageStart = Date.now();
      const firstDuringOutage = n + 1;
      await sleep((OUTAGE_S * 1000) / 2);
      // The agent restarts in the middle of the outage; its disk queue and file positions carry over.
      await agent.kill('SIGTERM');
      agent = processes.spawn('vigil-agent#2', process.execPath, [AGENT_BIN, '--config', config]);
      await sleep((OUTAGE_S * 1000) / 2);
      const lastDuringOutage = n;
      const outageEnd = Date.now();
      await vigil.restart();
      writing = false;
      await writer;
      const total = n;
      const lines = await pollUntil({ what: `all ${total} lines after the outage`, timeoutMs: 60_000 + OUTAGE_S * 100 }, async (note) => {
        const got = await count();
        note(`${got.length} of ${total}`);
        return got.length >= total ? got : undefined;
      });
      await sleep(2000); // anything duplicated would have arrived by now
      const final = await count();
      expect(final.length).toBe(total);
      expect(new Set(final).size).toBe(total);
      expect(final).toEqual(Array.from({ length: total }, (_, i) => `line ${i + 1}`));
      expect(lines.length).toBe(total);
      // Host metric collections made while the server was down arrived too (one per second,
      // minus the agent's restart gap).
      const t0 = Math.ceil(outageStart / 1000) + 1;
      const t1 = Math.floor(outageEnd / 1000) - 1;
      // The metrics sender retries on its own backoff (up to `send.maxBackoff`, 30 s), which may
      // still be waiting when the lines have all arrived: poll until its queue has drained.
      const expected = (t1 - t0) * 0.7;
      let collected = 0;
      await pollUntil({ what: `node_load1 samples collected during the outage (≥ ${expected})`, timeoutMs: 45_000 }, async (note) => {
        const raw = await vigil.getData<{ result: Array<{ value: [number, string] }> }>(
          `/api/v1/query?query=${encodeURIComponent(`count_over_time(node_load1{host="outage-host"}[${t1 - t0}s])`)}&time=${t1}`,
          { tenant: 'outage' },
        );
        collected = Number(raw.result[0]?.value[1] ?? 0);
        note(`${collected}`);
        return collected >= expected ? true : undefined;
      }).catch(() => undefined);
      console.log(
        `outage ${Math.round((outageEnd - outageStart) / 1000)} s: lines ${firstDuringOutage}..${lastDuringOutage} written during it, ${total} in all, all delivered once; node_load1 samples collected during it: ${collected} of ~${t1 - t0} seconds`,
      );
      expect(collected).toBeGreaterThanOrEqual(expected);
    } finally {
      writing = false;
      await writer;
    }
  }, 165_000 + OUTAGE_S * 1500);
});
