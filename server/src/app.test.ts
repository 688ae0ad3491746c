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
