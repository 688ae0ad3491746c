import type { ManagedProcess } from './process.js';

/** The systems the harness knows how to run. */
export type SystemName = 'vm' | 'prometheus' | 'vigil';

/** Every system name, in the order they run by default. */
export const SYSTEM_NAMES: readonly SystemName[] = ['vm', 'prometheus', 'vigil'];

/** How a peer is asked how many samples it can return (see `probes.ts`). */
export type ProbeKind = 'promql' | 'export';

/**
 * A system under test that the harness can start: a binary, how to run it on loopback with a fresh
 * data directory, and how to talk to it.
 */
export interface Peer {
  system: SystemName;
  /** Human name for reports ("VictoriaMetrics"). */
  title: string;
  /** Why this peer cannot run on this machine (missing binary, unbuilt server), or undefined. */
  unavailableReason(): string | undefined;
  /**
   * Starts the system on 127.0.0.1 with a new empty data directory and resolves once it is ready
   * to ingest. The caller owns the result and must `close()` it.
   */
  start(): Promise<RunningPeer>;
}

/** A started system. */
export interface RunningPeer {
  system: SystemName;
  title: string;
  /** The version the binary reports, for the record. */
  version: string;
  process: ManagedProcess;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  baseUrl: string;
  /** The data directory whose size is reported. */
  dataDir: string;
  /** Path of the remote_write 1.0 receiver. */
  writePath: string;
  /** Headers every request needs (authentication); empty when the system has none. */
  authHeaders: Readonly<Record<string, string>>;
  /** Ways to count queryable samples, most preferred first; the first that works is used. */
  probes: readonly ProbeKind[];
  /**
   * Makes the system persist what it holds in memory, so that the size of `dataDir` is a fair
   * on-disk figure. `ackedSamples` lets a peer wait until that much is on disk when its flush
   * call returns early. Resolves with a sentence saying what was done (it goes into the report).
   */
  flush(context: { ackedSamples: number }): Promise<string>;
  /** Stops the process (SIGTERM, then SIGKILL) and removes its data unless asked to keep it. */
  close(): Promise<void>;
}
