/** How lines are grouped into records. */
export interface MultilineOptions {
  /** A line matching this starts a new record; other lines continue the current one. */
  startPattern: RegExp;
  /** A record is emitted once it has this many lines. */
  maxLines: number;
  /** A record is emitted when no line arrived for this long, in milliseconds. */
  timeoutMs: number;
}

/** A finished record: its text and the file offset just after its last line. */
export interface JoinedRecord {
  text: string;
  endOffset: number;
}

/**
 * Groups lines into multi-line records (stack traces, pretty-printed JSON) by a start pattern,
 * as promtail's `multiline` stage does. A record is emitted when the next record starts, when it
 * reaches `maxLines`, or when {@link flushIfIdle} finds it idle for `timeoutMs`. Continuation
 * lines before any start line form a record of their own.
 *
 * @example
 * const j = new MultilineJoiner({ startPattern: /^\d{4}-/, maxLines: 500, timeoutMs: 1000 }, emit);
 * j.push('2024-01-01 boom', 16, now); j.push('  at f()', 25, now); // emitted on the next start line
 */
export class MultilineJoiner {
  private lines: string[] = [];
  private endOffset = 0;
  private lastMs = 0;

  constructor(
    private readonly options: MultilineOptions,
    private readonly emit: (record: JoinedRecord) => void,
  ) {}

  /** Adds one line that ends at `endOffset`. */
  push(line: string, endOffset: number, nowMs: number): void {
    if (this.lines.length > 0 && this.options.startPattern.test(line)) this.flush();
    this.lines.push(line);
    this.endOffset = endOffset;
    this.lastMs = nowMs;
    if (this.lines.length >= this.options.maxLines) this.flush();
  }

  /** Emits the pending record if no line arrived for `timeoutMs`. */
  flushIfIdle(nowMs: number): void {
    if (this.lines.length > 0 && nowMs - this.lastMs >= this.options.timeoutMs) this.flush();
  }

  /** Emits the pending record now, if any. */
  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n');
    this.lines = [];
    this.emit({ text, endOffset: this.endOffset });
  }
}
