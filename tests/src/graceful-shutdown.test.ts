import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readExport } from './lib/export-reader.js';
import { LoadWriters, compareWithLedger, summarize } from './lib/load-writers.js';
import { useProcessManager } from './lib/process-manager.js';
import { startVigil } from './lib/vigil-server.js';

const processes = useProcessManager();

const METRIC = 'vigil_shutdown_test';
/** What "within a few seconds" means for draining a handful of small in-flight requests. */
const MAX_SHUTDOWN_MS = 5_000;

describe('graceful shutdown', () => {
  it('exits 0 within a few seconds on SIGTERM while writers keep sending, and keeps every acknowledged sample', async () => {
    const vigil = await startVigil(processes);
    // No pause between requests: at the SIGTERM each writer nearly always has a request in
    // flight, and the writers keep sending on their keep-alive connections during the drain, as
    // Prometheus does.
    const writers = new LoadWriters(vigil, { metric: METRIC, writers: 4, pauseMs: 0, retryDelayMs: 20 });
    writers.start();
    let stopped: Awaited<ReturnType<typeof vigil.stop>>;
    try {
      await writers.waitForAcks(20);
      // A process still running a second after the limit is SIGKILLed (and the check below fails).
      stopped = await vigil.stop(MAX_SHUTDOWN_MS + 1_000);
      await sleep(100);
    } finally {
      await writers.stop();
    }
    const shutdown = vigil.process.describe();

    // Soft: whether or not the exit was clean, the data check below must run.
    expect.soft({ code: stopped.code, signal: stopped.signal }, `exit after SIGTERM\n${shutdown}`).toEqual({
      code: 0,
      signal: null,
    });
    expect.soft(stopped.elapsedMs, `milliseconds from SIGTERM to exit\n${shutdown}`).toBeLessThan(MAX_SHUTDOWN_MS);
    expect(writers.rejections).toEqual([]);

    await vigil.restart();
    const comparison = compareWithLedger(await readExport(vigil, `{__name__="${METRIC}"}`), writers);
    expect(summarize(comparison), 'every sample acknowledged before or during the shutdown, once').toBe('no problems');
    expect(writers.acked.size).toBeGreaterThan(0);
  });
});
