import { copyFileSync, existsSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

/**
 * What {@link openWithWalRecovery} did to a WAL DuckDB could not replay. The damaged WAL is always
 * copied first, byte for byte, to `preservedAs`, so nothing is destroyed.
 */
export interface WalRecovery {
  /** The WAL that failed to replay. */
  walPath: string;
  /** Where the untouched copy of the damaged WAL was saved (`<wal>.corrupt-<epoch ms>`). */
  preservedAs: string;
  /**
   * `truncated`: the WAL was cut at the first damaged entry, so every transaction before it is
   * replayed (Prometheus' `Repair()`); `discarded`: DuckDB named no position, so the whole WAL
   * was set aside and only the last checkpoint's data remains.
   */
  action: 'truncated' | 'discarded';
  /** WAL bytes kept (replayed). */
  keptBytes: number;
  /** WAL bytes set aside (not replayed). */
  discardedBytes: number;
  /** DuckDB's message. */
  reason: string;
}

/** DuckDB's message when WAL replay fails ("Failure while replaying WAL file ..."). */
const WAL_REPLAY_FAILURE = /Failure while replaying WAL/i;
/** The offset DuckDB names for a corrupt WAL entry ("entry at byte position 61432 ..."). */
const WAL_ENTRY_POSITION = /entry at byte position (\d+)/i;
/** At most this many repairs per open: each cut removes the damaged entry and everything after it. */
const MAX_REPAIRS = 3;

/**
 * Opens the DuckDB database at `path`; when its WAL cannot be replayed (a flipped byte fails an
 * entry's checksum, or a record does not decode), repairs the WAL and opens again:
 *
 * 1. The damaged WAL is copied to `<wal>.corrupt-<epoch ms>` (kept for inspection; never deleted).
 * 2. When DuckDB names the damaged entry's byte position, the WAL is truncated there: DuckDB then
 *    replays every complete transaction before the damage and ignores nothing else (a WAL is
 *    written in commit order, so those are exactly the transactions committed before it).
 * 3. Otherwise the WAL is removed, and the database opens at its last checkpoint.
 *
 * A torn tail (the last write cut short by a crash) needs none of this: DuckDB ignores an
 * incomplete last entry by itself, and that transaction was never acknowledged.
 *
 * Every other failure (a checksum error in the database file itself, a lock held by another
 * process) is thrown unchanged.
 *
 * @param onRecovery called once per repair, before the next attempt
 */
export async function openWithWalRecovery(
  path: string,
  settings: Record<string, string>,
  onRecovery?: (recovery: WalRecovery) => void,
): Promise<DuckDBInstance> {
  const walPath = `${path}.wal`;
  for (let attempt = 0; ; attempt++) {
    try {
      return await DuckDBInstance.create(path, settings);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (attempt >= MAX_REPAIRS || !WAL_REPLAY_FAILURE.test(reason) || !existsSync(walPath)) throw err;
      onRecovery?.(repairWal(walPath, reason));
    }
  }
}

function repairWal(walPath: string, reason: string): WalRecovery {
  const size = statSync(walPath).size;
  const preservedAs = `${walPath}.corrupt-${Date.now()}`;
  copyFileSync(walPath, preservedAs);
  const position = Number(WAL_ENTRY_POSITION.exec(reason)?.[1] ?? Number.NaN);
  // Position 0 would cut the WAL's header too; an empty WAL is the same as none.
  if (Number.isSafeInteger(position) && position > 0 && position < size) {
    truncateSync(walPath, position);
    return { walPath, preservedAs, action: 'truncated', keptBytes: position, discardedBytes: size - position, reason };
  }
  unlinkSync(walPath);
  return { walPath, preservedAs, action: 'discarded', keptBytes: 0, discardedBytes: size, reason };
}

/** DuckDB's message when a block of the database file fails its checksum. */
const CORRUPT_DATABASE_FILE = /Corrupt database file/i;

/**
 * Whether `err` (or its `cause`) is DuckDB reporting a damaged database file (a block whose
 * checksum does not match). Reads of undamaged blocks keep working; the damaged block's data
 * cannot be read again by any means short of a backup.
 */
export function isDatabaseCorruption(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (CORRUPT_DATABASE_FILE.test(message)) return true;
  }
  return false;
}
