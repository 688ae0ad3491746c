import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppFixture, createAppFixture } from '../testing/app-fixture.js';
import { remoteWriteBody } from '../testing/remote-write-encode.js';

const P = 60_000;
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);

const RULES = `
groups:
  - name: node
    interval: 1m
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels:
          source: recorded
      - alert: InstanceDown
        expr: up == 0
        for: 2m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} of {{ $labels.job }} is down"
`;

describe('Prometheus rule files', () => {
  let f: AppFixture;
  afterEach(async () => {
    await f.close();
  });

  const pushUp = async () => {
    const samples = (v: (t: number) => number) => {
      const out: Array<[number, number]> = [];
      for (let t = T0 - 5 * P; t <= T0 + 10 * P; t += 15_000) out.push([t, v(t)]);
      return out;
    };
    f.setNow(T0 + 10 * P);
    const res = await f.request('/api/v1/write', {
      method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf' },
      body: remoteWriteBody([
        { labels: [['__name__', 'up'], ['instance', 'a:9100'], ['job', 'node']], samples: samples(() => 1) },
        { labels: [['__name__', 'up'], ['instance', 'b:9100'], ['job', 'node']], samples: samples((t) => (t >= T0 + 2 * P ? 0 : 1)) },
      ]),
    });
    expect(res.status).toBe(204);
  };
  const run = async (fromMin: number, toMin: number) => {
    for (let m = fromMin; m <= toMin; m++) {
      f.setNow(T0 + m * P + 1000);
      await f.alerting.tick(T0 + m * P + 1000);
    }
  };

  it('imports a rule file: alerting rules become alarms, recording rules write series', async () => {
    f = await createAppFixture();
    await pushUp();
    const imported = await f.request('/api/v1/rules/import?file=node.yml', { method: 'POST', body: RULES, headers: { 'Content-Type': 'application/yaml' } });
    expect(imported.status).toBe(200);
    expect((await imported.json()).data).toEqual({ alarms: ['InstanceDown'], recordingRules: ['job:up:sum'], groups: ['node'] });
    await run(0, 6);

    const q = await f.request(`/api/v1/query?query=job:up:sum&time=${(T0 + 3 * P) / 1000}`);
    expect((await q.json()).data.result).toEqual([{ metric: { __name__: 'job:up:sum', job: 'node', source: 'recorded' }, value: [(T0 + 3 * P) / 1000, '1'] }]);

    const alerts = (await (await f.request('/api/v1/alerts')).json()).data.alerts;
    expect(alerts).toEqual([
      expect.objectContaining({
        labels: { alertname: 'InstanceDown', instance: 'b:9100', job: 'node', severity: 'page' },
        annotations: { summary: 'b:9100 of node is down' },
        state: 'firing',
        activeAt: new Date(T0 + 4 * P).toISOString(),
      }),
    ]);
    const groups = (await (await f.request('/api/v1/rules')).json()).data.groups;
    expect(groups.map((g: { name: string; file: string }) => [g.name, g.file])).toEqual([
      ['alarms', 'vigil'],
      ['node', 'vigil-api'],
    ]);
    expect(groups[1].rules).toMatchObject([{ name: 'job:up:sum', type: 'recording', health: 'ok', lastEvaluation: new Date(T0 + 6 * P).toISOString() }]);
  });

  it('rejects a bad import whole, naming each problem', async () => {
    f = await createAppFixture();
    const res = await f.request('/api/v1/rules/import', {
      method: 'POST',
      body: 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: "sum("\n      - record: r\n        expr: up\n',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatch(/A: query: .*parse error/);
    expect((await (await f.request('/api/v1/alarms')).json()).data).toEqual([]);
  });

  it('loads rule files from the config for the configured tenant; a broken file is skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'));
    writeFileSync(join(dir, 'node.yml'), RULES);
    writeFileSync(join(dir, 'broken.yaml'), 'groups: [');
    f = await createAppFixture(`alerting:\n  ruleFiles: [${JSON.stringify(dir)}]\n`);
    await f.alerting.rules.loadFiles();
    expect(f.alerting.rules.loadErrors).toEqual([expect.stringMatching(/broken\.yaml: YAML/)]);
    await pushUp();
    await run(0, 6);
    const alarms = (await (await f.request('/api/v1/alarms')).json()).data;
    expect(alarms).toMatchObject([{ name: 'InstanceDown', state: 'ALARM', source: { kind: 'file', group: 'node' } }]);
    const del = await f.request('/api/v1/alarms/InstanceDown', { method: 'DELETE' });
    expect(del.status).toBe(409);
    const groups = (await (await f.request('/api/v1/rules?type=record')).json()).data.groups;
    expect(groups).toMatchObject([{ name: 'node', file: join(dir, 'node.yml'), rules: [{ name: 'job:up:sum', health: 'ok' }] }]);
  });
});
