import type { DuckDBConnection } from '@duckdb/node-api';

/** One unit of work for the {@link WriteQueue}: appends rows inside the group's transaction. */
export interface WriteJob {
  /** Appends this job's rows on `conn`, inside the open transaction of write group `groupId`. */
  write(conn: DuckDBConnection, groupId: number): Promise<number>;
  /** Called after the group's commit succeeded. */
  committed(): void;
  /** Called when the group's transaction failed; nothing of it was stored. */
  failed(err: unknown): void;
}

/**
 * Group commit on one DuckDB connection. Jobs submitted while a commit runs wait and are then
 * committed together in one transaction (one WAL fsync for all of them). A job's `committed` runs
 * only once its data is durable; on failure every job of the group gets `failed` and the
 * transaction is rolled back.
 *
 * Between two groups the queue runs the callbacks registered with {@link betweenGroups}; head
 * tables use that to switch tables at a moment when no commit is in flight.
 */
export class WriteQueue {
  private queue: WriteJob[] = [];
  private running = false;
  private pendingBetween: Array<() => void> = [];
  private groups = 0;
  private failNext: Error | undefined;

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly onCommit?: (rows: number, seconds: number) => void,
    private readonly onCommitFailure?: (err: unknown) => void,
  ) {}

  /** Queues a job and starts a commit if none is running. */
  submit(job: WriteJob): void {
    this.queue.push(job);
    void this.drain();
  }

  /** Whether a commit is running or jobs are waiting. */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  /** Runs `fn` at the next moment no commit is in flight (immediately if idle). */
  betweenGroups(fn: () => void): void {
    if (!this.running) {
      fn();
      return;
    }
    this.pendingBetween.push(fn);
  }

  /** Makes the next group's commit fail with `err` after its rows were written (tests of failure paths). */
  failNextCommit(err: Error): void {
    this.failNext = err;
  }

  /** Resolves once every queued job has committed or failed. */
  async idle(): Promise<void> {
    while (this.busy) await new Promise((r) => setTimeout(r, 2));
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        await this.commit(group);
        this.runBetween();
      }
    } finally {
      this.running = false;
      this.runBetween();
    }
  }

  private runBetween(): void {
    for (const fn of this.pendingBetween.splice(0)) fn();
  }

  private async commit(group: WriteJob[]): Promise<void> {
    const started = performance.now();
    const groupId = ++this.groups;
    let rows = 0;
    try {
      await this.conn.run('BEGIN TRANSACTION');
      for (const job of group) rows += await job.write(this.conn, groupId);
      if (this.failNext) {
        const err = this.failNext;
        this.failNext = undefined;
        throw err;
      }
      await this.conn.run('COMMIT');
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      try {
        this.onCommitFailure?.(err);
      } catch {
        // A metrics callback must never stop the failure from reaching the jobs.
      }
      for (const job of group) job.failed(err);
      return;
    }
    this.onCommit?.(rows, (performance.now() - started) / 1000);
    for (const job of group) job.committed();
  }
}
