import { beforeAll, describe, expect, it } from 'vitest';
import { readExport } from './lib/export-reader.js';
import { useProcessManager } from './lib/process-manager.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from './lib/remote-write.js';
import { type VigilServer, startVigil } from './lib/vigil-server.js';

const processes = useProcessManager();

/** Written only by tenant `a`: a metric name, a label name and a label value `b` must never see. */
const SECRET = { __name__: 'tenant_a_only_total', a_only_label: 'secret-value', job: 'shared' };
/** Written by both tenants under the same label set, with different values. */
const SHARED = { __name__: 'tenant_shared_metric', job: 'shared' };
const NOW_MS = Date.now();

let vigil: VigilServer;

async function write(tenant: string, series: Parameters<typeof remoteWriteBody>[0]): Promise<void> {
  const res = await vigil.request('/api/v1/write', {
    method: 'POST',
    headers: REMOTE_WRITE_HEADERS,
    body: remoteWriteBody(series),
    tenant,
  });
  expect(res.status, `write as tenant ${tenant}: ${await res.text()}`).toBe(204);
}

beforeAll(async () => {
  vigil = await startVigil(processes);
  await write('a', [
    { labels: SECRET, samples: [{ timestampMs: NOW_MS - 1000, value: 42 }] },
    { labels: SHARED, samples: [{ timestampMs: NOW_MS - 1000, value: 1 }] },
  ]);
  await write('b', [{ labels: SHARED, samples: [{ timestampMs: NOW_MS - 1000, value: 2 }] }]);
});

describe('tenant isolation across processes', () => {
  const paths = [
    `/api/v1/series?match[]=${encodeURIComponent('{job="shared"}')}`,
    '/api/v1/labels',
    '/api/v1/label/__name__/values',
    '/api/v1/label/a_only_label/values',
  ];
  const cases = paths.flatMap((path) => [
    { path, tenant: 'b' },
    { path, tenant: 'default' },
  ]);
  it.each(cases)('$path as tenant $tenant shows nothing that only tenant a wrote', async ({ path, tenant }) => {
    const asA = JSON.stringify(await vigil.getData<unknown>(path, { tenant: 'a' }));
    const asOther = JSON.stringify(await vigil.getData<unknown>(path, { tenant }));
    // The check against tenant a proves the query would find the data if isolation failed.
    expect(asA).toMatch(/tenant_a_only_total|a_only_label|secret-value/);
    expect(asOther).not.toMatch(/tenant_a_only_total|a_only_label|secret-value/);
  });

  it('/api/v1/export returns only the asking tenant\'s samples', async () => {
    const asB = await readExport(vigil, '{job="shared"}', { tenant: 'b' });
    expect(asB).toEqual([{ metric: SHARED, values: [2], timestamps: [NOW_MS - 1000] }]);
    // Without X-Scope-OrgID the root key reads its own tenant, `default`, which wrote nothing.
    expect(await readExport(vigil, '{job="shared"}')).toEqual([]);
    const asA = await readExport(vigil, '{job="shared"}', { tenant: 'a' });
    expect(asA.sort((x, y) => x.metric.__name__!.localeCompare(y.metric.__name__!))).toEqual([
      { metric: SECRET, values: [42], timestamps: [NOW_MS - 1000] },
      { metric: SHARED, values: [1], timestamps: [NOW_MS - 1000] },
    ]);
  });

  it('keeps tenants apart after a restart', async () => {
    const stopped = await vigil.stop();
    expect(stopped.code, vigil.process.describe()).toBe(0);
    await vigil.restart();
    const asB = await readExport(vigil, '{job="shared"}', { tenant: 'b' });
    expect(asB).toEqual([{ metric: SHARED, values: [2], timestamps: [NOW_MS - 1000] }]);
    const series = await vigil.getData<unknown[]>(`/api/v1/series?match[]=${encodeURIComponent('{job="shared"}')}`, {
      tenant: 'b',
    });
    expect(series).toEqual([SHARED]);
  });
});
