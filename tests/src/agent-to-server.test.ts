import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { useProcessManager } from './lib/process-manager.js';
import { TEST_ROOT_KEY, type VigilServer, startVigil } from './lib/vigil-server.js';
import { pollUntil } from './lib/wait.js';

const AGENT_BIN = fileURLToPath(new URL('../../agent/dist/bin/vigil-agent.js', import.meta.url));
const processes = useProcessManager();
let vigil: VigilServer;
let logFile: string;

beforeAll(async () => {
  vigil = await startVigil(processes);
  const dir = processes.tempDir('agent');
  logFile = join(dir, 'app.log');
  writeFileSync(logFile, '');
  const config = join(dir, 'agent.yml');
  writeFileSync(
    config,
    [
      'server:',
      `  url: ${vigil.url}`,
      `  apiKey: ${TEST_ROOT_KEY}`,
      '  tenant: fleet',
      'host: e2e-host-1',
      'labels: { group: web }',
      `stateDir: ${join(dir, 'state')}`,
      'metrics:',
      '  interval: 1s',
      'logs:',
      '  pollInterval: 100ms',
      '  batchWait: 200ms',
      '  sources:',
      `    - paths: [${logFile}]`,
      '      labels: { job: app }',
      '      startAt: beginning',
      '',
    ].join('\n'),
  );
  processes.spawn('vigil-agent', process.execPath, [AGENT_BIN, '--config', config]);
});

describe('vigil-agent shipping to a real Vigil server', () => {
  it('is listed at /api/v1/agents with its version, static labels and host facts', async () => {
    const agents = await pollUntil({ what: 'the agent in /api/v1/agents', timeoutMs: 20_000 }, async (note) => {
      const data = await vigil.getData<Array<{ host: string; version: string | null; labels: Record<string, string>; facts: Record<string, string> }>>(
        '/api/v1/agents',
        { tenant: 'fleet' },
      );
      note(JSON.stringify(data));
      return data.length > 0 && data[0]!.version ? data : undefined;
    });
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ host: 'e2e-host-1', labels: { group: 'web' } });
    expect(agents[0]!.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(agents[0]!.facts.sysname).toBe('Linux');
  });

  it('ships node_exporter-named host metrics that PromQL can query', async () => {
    const result = await pollUntil({ what: 'node_cpu_seconds_total from the agent', timeoutMs: 20_000 }, async () => {
      const data = await vigil.getData<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent('count by (host, group) (node_cpu_seconds_total{mode="idle"})')}`,
        { tenant: 'fleet' },
      );
      return data.result.length > 0 ? data.result : undefined;
    });
    expect(result[0]!.metric).toEqual({ host: 'e2e-host-1', group: 'web' });
    expect(Number(result[0]!.value[1])).toBeGreaterThan(0);
  });

  it('ships appended log lines that LogQL finds, each once', async () => {
    appendFileSync(logFile, 'level=error msg="disk full" id=1\nlevel=info msg="ok" id=2\n');
    const lines = await pollUntil({ what: 'the tailed lines in LogQL', timeoutMs: 20_000 }, async (note) => {
      const data = await vigil.getData<{ result: Array<{ stream: Record<string, string>; values: [string, string][] }> }>(
        `/loki/api/v1/query_range?query=${encodeURIComponent('{job="app", host="e2e-host-1"}')}&since=1h&limit=100&direction=forward`,
        { tenant: 'fleet' },
      );
      const all = data.result.flatMap((s) => s.values.map((v) => v[1]));
      note(JSON.stringify(all));
      return all.length >= 2 ? data.result : undefined;
    });
    const all = lines.flatMap((s) => s.values.map((v) => v[1]));
    expect(all).toEqual(['level=error msg="disk full" id=1', 'level=info msg="ok" id=2']);
    expect(lines.find((s) => s.values.some((v) => v[1].includes('disk full')))!.stream).toMatchObject({ group: 'web', level: 'error' });
  });
});
