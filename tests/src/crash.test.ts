import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readExport } from './lib/export-reader.js';
import { LoadWriters, compareWithLedger, summarize } from './lib/load-writers.js';
import { useProcessManager } from './lib/process-manager.js';
import { startVigil } from './lib/vigil-server.js';
import { seededRandom } from './lib/wait.js';

const processes = useProcessManager();

/** kill -9 while the writers are running; one more follows after they stopped. */
const KILLS_WHILE_WRITING = 5;
/** Each process lives this long (plus a random share of KILL_JITTER_MS) before its kill -9. */
const MIN_UPTIME_MS = 300;
const KILL_JITTER_MS = 1200;
const METRIC = 'vigil_crash_test';

describe('crash recovery', () => {
  it(`keeps every acknowledged sample exactly once across ${KILLS_WHILE_WRITING + 1} kill -9`, async () => {
    const seed = Number(process.env.VIGIL_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = seededRandom(seed);
    const context = `(seed ${seed}; rerun with VIGIL_TEST_SEED=${seed})`;

    const vigil = await startVigil(processes);
    const writers = new LoadWriters(vigil, { metric: METRIC, writers: 4, seriesPerWriter: 10, samplesPerSeries: 10 });

    // Flushes compact the head into DuckDB tables, so some kills land during compaction and the
    // replay after a restart has to meet data that was already compacted.
    let flushing = true;
    const flusher = (async () => {
      while (flushing) {
        await sleep(400 + random() * 600);
        await vigil.request('/api/v1/admin/flush', { method: 'POST', timeoutMs: 10_000 }).then(
          (res) => res.arrayBuffer(),
          () => undefined, // the server may be down at this moment
        );
      }
    })();

    const readyAfterMs: number[] = [];
    writers.start();
    try {
      for (let kill = 1; kill <= KILLS_WHILE_WRITING; kill++) {
        // At least one acknowledgement per process, so that every process had data to lose.
        await writers.waitForAcks(1);
        await sleep(MIN_UPTIME_MS + random() * KILL_JITTER_MS);
        const status = await vigil.kill9();
        expect(status.signal, `kill #${kill} ${context}`).toBe('SIGKILL');
        readyAfterMs.push(await vigil.restart());
      }
      // The last process must accept writes too before the writers stop.
      await writers.waitForAcks(3);
    } finally {
      flushing = false;
      await writers.stop();
      await flusher;
    }

    // Kill once more right after the last acknowledgement: it too must survive.
    await vigil.kill9();
    readyAfterMs.push(await vigil.restart());

    expect(writers.rejections, `requests rejected ${context}`).toEqual([]);
    expect(readyAfterMs, `readiness after each restart ${context}`).toHaveLength(KILLS_WHILE_WRITING + 1);
    // Every process generation before the final one acknowledged writes after its recovery.
    for (let generation = 1; generation <= KILLS_WHILE_WRITING + 1; generation++) {
      expect(writers.acksByGeneration.get(generation) ?? 0, `acks by process #${generation} ${context}`).toBeGreaterThan(0);
    }
    expect(writers.acked.size).toBeGreaterThan(1000);

    const afterRecovery = compareWithLedger(await readExport(vigil, `{__name__="${METRIC}"}`), writers);
    expect(summarize(afterRecovery), `after the last restart ${context}`).toBe('no problems');
    expect(afterRecovery.readBack).toBe(writers.acked.size + afterRecovery.unackedButStored);

    // Compaction after recovery must neither lose nor duplicate what recovery replayed.
    const flush = await vigil.request('/api/v1/admin/flush', { method: 'POST', timeoutMs: 60_000 });
    expect(flush.status, await flush.text()).toBe(204);
    const afterFlush = compareWithLedger(await readExport(vigil, `{__name__="${METRIC}"}`), writers);
    expect(summarize(afterFlush), `after a flush ${context}`).toBe('no problems');
    expect(afterFlush.readBack).toBe(afterRecovery.readBack);
  }, 120_000);
});
