import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT_KEY } from '../testing/app-fixture.js';
import { type IngestFixture, createIngestFixture } from '../testing/ingest-routes.js';

/** Sends `head` and `body` on a raw connection, ends its side, and returns what came back. */
function raw(base: string, head: string, body: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(head + body);
      socket.end();
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}

describe('reading request bodies from the Node request (readRequestBody)', () => {
  let f: IngestFixture | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  it('survives a body that stops short of its Content-Length (the client gone): no 500, and keeps serving', async () => {
    f = await createIngestFixture();
    const base = await f.listen();
    const head = `POST /write?db=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ROOT_KEY}\r\nContent-Length: 1000\r\n\r\n`;
    const answer = await raw(base, head, 'cpu value=1 1700000000000000000\n');
    // Node's parser answers the cut request itself (a bare 400); the handler's read fails with a
    // 400 of its own that nobody is left to receive, and must not count as a server error.
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ROOT_KEY}` } })).text();
    expect(metrics).not.toMatch(/vigil_ingest_requests_total\{[^}]*code="5\d\d"/);
    expect(metrics).toMatch(/vigil_ingest_requests_total\{[^}]*code="400"[^}]*\} 1/);
    const ok = await fetch(`${base}/write?db=x`, { method: 'POST', body: 'cpu value=1', headers: { authorization: `Bearer ${ROOT_KEY}` } });
    expect(ok.status).toBe(204);
  });

  it('stores a body whose length is announced, and one sent chunked, alike', async () => {
    f = await createIngestFixture();
    const base = await f.listen();
    const headers = { authorization: `Bearer ${ROOT_KEY}` };
    expect((await fetch(`${base}/write?db=x`, { method: 'POST', body: 'a value=1\nb value=2', headers })).status).toBe(204);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('c value=3\n'));
        controller.enqueue(new TextEncoder().encode('d value=4'));
        controller.close();
      },
    });
    expect((await fetch(`${base}/write?db=x`, { method: 'POST', body: chunked, headers, duplex: 'half' } as RequestInit)).status).toBe(204);
    const names = f.storage.metrics.labelValues('default', '__name__', []);
    expect(names).toEqual(expect.arrayContaining(['a_value', 'b_value', 'c_value', 'd_value']));
  });
});
