import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { type AppFixture, createAppFixture } from './app-fixture.js';

/** An {@link AppFixture} that can also listen on a loopback port, for real clients. */
export interface IngestFixture extends AppFixture {
  /** Serves the app on a loopback port; returns its base URL. */
  listen(): Promise<string>;
}

/** Creates an app fixture (every ingest route mounted by `createApp`) that can listen on a port. */
export async function createIngestFixture(yaml?: string): Promise<IngestFixture> {
  const f = await createAppFixture(yaml);
  let server: Server | undefined;
  return {
    ...f,
    listen() {
      return new Promise((resolve) => {
        server = serve({ fetch: f.app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) =>
          resolve(`http://127.0.0.1:${info.port}`),
        ) as Server;
      });
    },
    async close() {
      if (server) {
        server.closeAllConnections?.();
        await new Promise<void>((r) => server!.close(() => r()));
      }
      await f.close();
    },
  };
}
