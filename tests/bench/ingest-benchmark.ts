import { createMemorySampler, type DirectorySize, measureSettledDirectory, processCpuSeconds, type QueryableResult, waitUntilQueryable } from './measure.js';
import type { EncodedWorkload } from './payloads.js';
import type { Peer, RunningPeer, SystemName } from './peers/types.js';
import type { ProbeScope } from './probes.js';
import type { ProtocolWire } from './protocols.js';
import { type SendResult, sendWorkload } from './sender.js';

/**
 * One ingest run against one system: start it fresh, send the pre-encoded workload, wait until
 * everything acknowledged is queryable, flush, measure the data directory, stop it.
 */

/** Extra work to do against a started peer once its data is in and flushed (the query benchmark). */
export interface BenchPhase {
  /** Key of the phase's result in {@link IngestRunResult.phases}. */
  name: string;
  run(peer: RunningPeer): Promise<unknown>;
}

/** Options of {@link runIngestBenchmark}. */
export interface IngestRunOptions {
  encoded: EncodedWorkload;
  scope: ProbeScope;
  /** 1-based repetition number, for the record. */
  repetition: number;
  /** See {@link SendOptions.maxSkewMs}. */
  maxSkewMs: number;
  requestTimeoutMs: number;
  /** How long to wait for the data to become queryable, in milliseconds. */
  queryableTimeoutMs: number;
  /** Phases run after the disk measurement, before the peer stops. @default [] */
  phases?: readonly BenchPhase[];
  /**
   * Measure the data directory after the flush. Without it the peer is still flushed (so later
   * phases see the same state as in a full run) but `disk` stays empty. @default true
   */
  measureDisk?: boolean;
  /**
   * The ingest protocol `encoded` is in (`protocols.ts`): its path, headers and authentication.
   * @default remote_write at the peer's `writePath`
   */
  wire?: ProtocolWire;
  /** Progress lines go here. */
  log: (line: string) => void;
}

/** The outcome of one run; `status` says which fields are filled. */
export interface IngestRunResult {
  system: SystemName;
  title: string;
  repetition: number;
  /** The ingest protocol (`remote_write` unless `--protocols` asked for others). */
  protocol: string;
  status: 'ok' | 'failed' | 'skipped';
  /** Why the run was skipped or failed. */
  reason?: string;
  version?: string;
  startupSeconds?: number;
  ingest?: Omit<SendResult, 'lastAckAt'>;
  /** CPU seconds (user + system) of the server process from the first byte sent to the last ack. */
  serverCpuSeconds?: number;
  queryable?: QueryableResult;
  /** Peak RSS (`VmHWM`) of the server process over the whole run, in bytes. */
  peakRssBytes?: number;
  /** Peak RSS when the last request was acknowledged, in bytes (before probes and flush). */
  peakRssBytesAtLastAck?: number;
  disk?: DirectorySize & {
    /** Allocated bytes divided by acknowledged samples. */
    bytesPerSample: number;
    flushNote: string;
    flushSeconds: number;
    /** Seconds from the flush's answer until the directory size stopped changing. */
    settleSeconds: number;
    settled: boolean;
  };
  phases?: Record<string, unknown>;
}

/**
 * Runs the ingest benchmark against `peer` and always stops it, also on failure.
 *
 * @example
 * const result = await runIngestBenchmark(createVictoriaMetricsPeer(), { encoded, scope, repetition: 1, ... });
 */
export async function runIngestBenchmark(peer: Peer, options: IngestRunOptions): Promise<IngestRunResult> {
  const base = { system: peer.system, title: peer.title, repetition: options.repetition, protocol: options.wire?.name ?? 'remote_write' };
  const unavailable = peer.unavailableReason();
  if (unavailable !== undefined) {
    options.log(`${peer.title}: skipped: ${unavailable}`);
    return { ...base, status: 'skipped', reason: unavailable };
  }

  const startAt = performance.now();
  let running: RunningPeer;
  try {
    running = await peer.start();
  } catch (error) {
    return { ...base, status: 'failed', reason: `start: ${errorMessage(error)}` };
  }
  const result: IngestRunResult = {
    ...base,
    status: 'failed',
    version: running.version,
    startupSeconds: (performance.now() - startAt) / 1000,
  };
  const memory = createMemorySampler(running.process.pid);
  let stage = 'ingest';
  try {
    const wire = options.wire;
    options.log(
      `${peer.title} ${running.version}: ready in ${result.startupSeconds!.toFixed(1)} s at ${running.baseUrl}; sending ${options.encoded.requestCount} ${base.protocol} requests`,
    );
    const cpuBefore = processCpuSeconds(running.process.pid);
    const { lastAckAt, ...ingest } = await sendWorkload({
      url: `${running.baseUrl}${wire?.path ?? running.writePath}`,
      headers: wire === undefined ? running.authHeaders : wire.auth(running.authHeaders),
      ...(wire === undefined ? {} : { baseHeaders: wire.baseHeaders }),
      ...(wire?.rejectedInAck === undefined ? {} : { rejectedInAck: wire.rejectedInAck }),
      queues: options.encoded.queues,
      maxSkewMs: options.maxSkewMs,
      requestTimeoutMs: options.requestTimeoutMs,
    });
    const cpuAfter = processCpuSeconds(running.process.pid);
    if (cpuBefore !== undefined && cpuAfter !== undefined) result.serverCpuSeconds = cpuAfter - cpuBefore;
    result.ingest = ingest;
    result.peakRssBytesAtLastAck = memory.peakRssBytes();
    options.log(
      `${peer.title}: ${ingest.ackedSamples} samples acknowledged in ${(ingest.durationMs / 1000).toFixed(2)} s` +
        ` (${Math.round(ingest.samplesPerSecond)} samples/s), ${ingest.errorRequests} failed requests` +
        (ingest.rejectedSamples > 0 ? `, ${ingest.rejectedSamples} samples rejected in 2xx answers` : '') +
        (ingest.errorExamples.length > 0 ? `; first: ${ingest.errorExamples[0]}` : ''),
    );
    if (!running.process.isRunning()) throw new Error(`the server exited during ingest:\n${running.process.outputTail()}`);

    stage = 'queryable';
    result.queryable = await waitUntilQueryable(running, {
      scope: options.scope,
      expectedSeries: options.encoded.seriesCount,
      expectedSamples: ingest.ackedSamples,
      lastAckAt,
      timeoutMs: options.queryableTimeoutMs,
    });
    const q = result.queryable;
    options.log(
      q.complete
        ? `${peer.title}: all queryable ${q.seconds!.toFixed(2)} s after the last ack (${q.probe} probe took ${q.probeSeconds!.toFixed(2)} s)`
        : `${peer.title}: NOT all queryable after ${options.queryableTimeoutMs / 1000} s: ${q.seriesSeen} series, ${q.samplesSeen} samples seen${q.lastError ? ` (${q.lastError})` : ''}`,
    );

    stage = 'flush';
    const flushStart = performance.now();
    let flushNote: string;
    try {
      flushNote = await running.flush({ ackedSamples: ingest.ackedSamples });
    } catch (error) {
      flushNote = `flush failed, measured as is: ${errorMessage(error)}`;
    }
    const flushSeconds = (performance.now() - flushStart) / 1000;
    if (options.measureDisk ?? true) {
      const size = await measureSettledDirectory(running.dataDir);
      if (!size.settled) flushNote += `; the size was still changing after ${size.settleSeconds.toFixed(0)} s`;
      result.disk = { ...size, bytesPerSample: ingest.ackedSamples > 0 ? size.allocatedBytes / ingest.ackedSamples : 0, flushNote, flushSeconds };
      options.log(`${peer.title}: ${(size.allocatedBytes / 1e6).toFixed(1)} MB on disk, ${result.disk.bytesPerSample.toFixed(2)} bytes/sample (${flushNote})`);
    } else {
      options.log(`${peer.title}: flushed in ${flushSeconds.toFixed(1)} s (${flushNote}); disk not measured`);
    }

    for (const phase of options.phases ?? []) {
      stage = phase.name;
      result.phases = { ...result.phases, [phase.name]: await phase.run(running) };
    }
    result.status = 'ok';
  } catch (error) {
    result.reason = `${stage}: ${errorMessage(error)}`;
    options.log(`${peer.title}: failed during ${result.reason}`);
  } finally {
    result.peakRssBytes = memory.stop();
    await running.close();
  }
  return result;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
