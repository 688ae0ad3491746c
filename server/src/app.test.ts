import { describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { parseConfig } from './config/config.js';

describe('createApp before storage is open', () => {
  const app = createApp({ config: parseConfig(undefined), storage: () => undefined });

  it('is healthy but not ready, and says when to retry', async () => {
    expect((await app.request('/-/healthy')).status).toBe(200);
    const ready = await app.request('/-/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
  });

  it('answers data routes with 503 and Retry-After instead of failing', async () => {
    const res = await app.request('/api/v1/write', { method: 'POST', headers: { authorization: 'Bearer x' } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.text()).toMatch(/storage is starting/);
  });
});

describe('/metrics while storage is not open', () => {
  const ROOT = 'vgl_outside-the-database-0123456789';
  const app = createApp({ config: parseConfig(undefined), storage: () => undefined, storagelessMetricsKeys: () => ['', ROOT] });

  it('answers a root key kept outside the database', async () => {
    const res = await app.request('/metrics', { headers: { authorization: `Bearer ${ROOT}` } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^vigil_storage_corruption_detected 0$/m);
  });

  it('waits for storage (503 + Retry-After) for any other key, no key, an empty key, and every other route', async () => {
    for (const authorization of ['Bearer wrong', `Bearer ${ROOT}x`, 'Bearer ', '']) {
      const res = await app.request('/metrics', { headers: authorization ? { authorization } : {} });
      expect(res.status, authorization).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
    }
    const other = await app.request('/api/v1/query?query=up', { headers: { authorization: `Bearer ${ROOT}` } });
    expect(other.status).toBe(503);
  });
});

