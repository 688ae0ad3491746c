import { createServer } from 'node:net';

/**
 * Finds a TCP port on 127.0.0.1 that is free right now: binds port 0, reads the port the kernel
 * chose and closes the socket again.
 *
 * The port is only free at the instant of the check; another process may take it before the
 * caller binds it. Callers that start a server on it should retry with a new port when the server
 * reports `EADDRINUSE` (as {@link startVigil} does).
 *
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected address ${JSON.stringify(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
