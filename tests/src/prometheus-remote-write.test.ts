import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pushTimeseries } from 'prometheus-remote-write';
import { describe, expect, it } from 'vitest';
import { NODE_EXPORTER, PROMETHEUS, startDebianBinary } from './lib/debian-binary.js';
import { readExport } from './lib/export-reader.js';
import { freePort } from './lib/free-port.js';
import { useProcessManager } from './lib/process-manager.js';
import { startVigil } from './lib/vigil-server.js';
import { pollUntil } from './lib/wait.js';

const processes = useProcessManager();

/** Prometheus needs a few scrape and send cycles of 1 s; the budget covers a loaded 2-core machine. */
const ARRIVAL_TIMEOUT_MS = 45_000;

describe('Prometheus remote_write to Vigil', () => {
  it('delivers node_exporter series and metadata scraped by Debian Prometheus with basic auth', async () => {
    const vigil = await startVigil(processes);

    const exporterPort = await freePort();
    await startDebianBinary(
      processes,
      NODE_EXPORTER,
      [
        `--web.listen-address=127.0.0.1:${exporterPort}`,
        // A few cheap collectors; the defaults also read files Debian's service set-up provides.
        '--collector.disable-defaults',
        '--collector.cpu',
        '--collector.loadavg',
        '--collector.meminfo',
      ],
      { readyUrl: `http://127.0.0.1:${exporterPort}/metrics` },
    );

    const prometheusDir = processes.tempDir('prometheus');
    const configFile = join(prometheusDir, 'prometheus.yml');
    // JSON is valid YAML; it spares quoting worries for the key.
    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'node', static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] }],
      remote_write: [
        {
          url: `${vigil.url}/api/v1/write`,
          basic_auth: { username: 'prometheus', password: vigil.rootKey },
          queue_config: { batch_send_deadline: '1s', min_backoff: '100ms', max_backoff: '1s' },
          metadata_config: { send: true, send_interval: '1s' },
        },
      ],
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const prometheusPort = await freePort();
    await startDebianBinary(
      processes,
      PROMETHEUS,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(prometheusDir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--log.level=warn',
      ],
      { readyUrl: `http://127.0.0.1:${prometheusPort}/-/ready` },
    );

    const seriesPath = (match: string) => `/api/v1/series?match[]=${encodeURIComponent(match)}`;
    const up = await pollUntil({ what: 'series up{job="node"} in Vigil', timeoutMs: ARRIVAL_TIMEOUT_MS }, async (note) => {
      const found = await vigil.getData<Array<Record<string, string>>>(seriesPath('up{job="node"}'));
      note(JSON.stringify(found));
      return found.length > 0 ? found : undefined;
    });
    expect(up).toEqual([{ __name__: 'up', instance: `127.0.0.1:${exporterPort}`, job: 'node' }]);

    const cpu = await pollUntil({ what: 'node_cpu_seconds_total series in Vigil', timeoutMs: ARRIVAL_TIMEOUT_MS }, async () => {
      const found = await vigil.getData<Array<Record<string, string>>>(seriesPath('node_cpu_seconds_total'));
      return found.length > 0 ? found : undefined;
    });
    expect(cpu.every((s) => s.job === 'node' && s.instance === `127.0.0.1:${exporterPort}`)).toBe(true);
    expect(new Set(cpu.map((s) => s.mode))).toContain('idle');

    // The scrapes succeeded, so every up sample Prometheus sent is 1.
    const upSamples = await readExport(vigil, 'up{job="node"}');
    expect(upSamples).toHaveLength(1);
    expect(upSamples[0]!.values.length).toBeGreaterThan(0);
    expect(new Set(upSamples[0]!.values)).toEqual(new Set([1]));

    const metadata = await pollUntil(
      { what: 'metadata of node_cpu_seconds_total in Vigil', timeoutMs: ARRIVAL_TIMEOUT_MS },
      async (note) => {
        const data = await vigil.getData<Record<string, Array<{ type: string; help: string }>>>(
          '/api/v1/metadata?metric=node_cpu_seconds_total',
        );
        note(JSON.stringify(data));
        return data.node_cpu_seconds_total?.length ? data.node_cpu_seconds_total : undefined;
      },
    );
    expect(metadata[0]).toMatchObject({ type: 'counter', help: expect.stringMatching(/cpu/i) });
  }, 120_000);
});

describe('the npm client prometheus-remote-write', () => {
  it('pushes a series that /api/v1/export returns with its value', async () => {
    const vigil = await startVigil(processes);
    const timestampMs = Date.now() - 5_000;
    const result = await pushTimeseries(
      {
        labels: { __name__: 'npm_client_queue_depth', instance: 'dev.example.com', service: 'SQS' },
        samples: [{ value: 150.25, timestamp: timestampMs }],
      },
      {
        url: `${vigil.url}/api/v1/write`,
        auth: { username: 'npm', password: vigil.rootKey },
        // Node's own fetch; the client would otherwise require node-fetch, which nobody installs.
        fetch: (url, init) =>
          fetch(url, {
            method: init?.method,
            headers: init?.headers,
            body: init?.body === undefined ? undefined : new Uint8Array(init.body),
          }),
      },
    );
    expect(result.status, result.errorMessage).toBe(204);

    const exported = await readExport(vigil, 'npm_client_queue_depth');
    expect(exported).toEqual([
      {
        metric: { __name__: 'npm_client_queue_depth', instance: 'dev.example.com', service: 'SQS' },
        values: [150.25],
        timestamps: [timestampMs],
      },
    ]);
  });
});
