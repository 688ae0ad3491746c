/** A complete line found by {@link LineSplitter}. */
export interface SplitLine {
  /** The line without its `\n` (and without a `\r` before it). */
  text: string;
  /** File offset just after the line's `\n`. */
  endOffset: number;
  /** Bytes cut off because the line was longer than the limit (0 when whole). */
  truncatedBytes: number;
}

/**
 * Cuts a byte stream into lines while keeping byte offsets exact. A line longer than
 * `maxLineBytes` keeps its first `maxLineBytes` bytes; the rest is counted, not buffered, so one
 * runaway line cannot grow memory. A trailing line without `\n` waits for more data.
 *
 * @example
 * const s = new LineSplitter(16384);
 * s.push(Buffer.from('a\nb'), 0, (l) => console.log(l)); // { text: 'a', endOffset: 2, truncatedBytes: 0 }
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partBytes = 0;
  private dropped = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** True when bytes of an unfinished line are buffered. */
  get hasPartial(): boolean {
    return this.partBytes > 0 || this.dropped > 0;
  }

  /**
   * Feeds `chunk`, which starts at file offset `chunkStart`; calls `onLine` for every completed
   * line. The bytes of an unfinished last line are copied, so the caller may reuse `chunk`.
   */
  push(chunk: Buffer, chunkStart: number, onLine: (line: SplitLine) => void): void {
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      const take = Math.min(this.maxLineBytes - this.partBytes, end - pos);
      if (take > 0) {
        const part = chunk.subarray(pos, pos + take);
        this.parts.push(nl === -1 ? Buffer.from(part) : part);
        this.partBytes += take;
      }
      this.dropped += end - pos - Math.max(take, 0);
      if (nl === -1) return;
      onLine(this.take(chunkStart + nl + 1));
      pos = nl + 1;
    }
  }

  /** Emits the unfinished line as if it ended at `endOffset` (used when a file is closed for good). */
  flush(endOffset: number, onLine: (line: SplitLine) => void): void {
    if (this.hasPartial) onLine(this.take(endOffset));
  }

  /** Forgets the unfinished line (the file was truncated under it). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
    this.dropped = 0;
  }

  private take(endOffset: number): SplitLine {
    // Most lines lie within one chunk: decode them in place.
    let text =
      this.parts.length === 1 ? this.parts[0]!.toString('utf8') : Buffer.concat(this.parts, this.partBytes).toString('utf8');
    if (text.endsWith('\r') && this.dropped === 0) text = text.slice(0, -1);
    const line = { text, endOffset, truncatedBytes: this.dropped };
    this.reset();
    return line;
  }
}
