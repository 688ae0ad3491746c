/**
 * Splits a syslog TCP byte stream into messages (RFC 6587), deciding per frame: a frame that
 * starts with a digit is octet-counted (`LEN SP MSG`), anything else (normally `<`) runs to the
 * next LF. Frames longer than `maxFrameBytes` are cut there: the first part is delivered and the
 * rest of that frame is skipped, so one runaway sender cannot grow the buffer without bound.
 */
export class SyslogFrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  /** Bytes of an oversized frame still to skip. */
  private skipBytes = 0;
  /** True while skipping the rest of an oversized LF-terminated frame. */
  private skipToLf = false;

  /** @param maxFrameBytes Longest message kept, bytes. */
  constructor(private readonly maxFrameBytes: number) {}

  /** Feeds bytes; returns the complete messages they finish (without framing or trailing LF). */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      if (this.skipBytes > 0) {
        const n = Math.min(this.skipBytes, this.buf.length);
        this.skipBytes -= n;
        this.buf = this.buf.subarray(n);
        if (this.skipBytes > 0) return out;
      }
      if (this.skipToLf) {
        const lf = this.buf.indexOf(10);
        if (lf < 0) {
          this.buf = Buffer.alloc(0);
          return out;
        }
        this.skipToLf = false;
        this.buf = this.buf.subarray(lf + 1);
      }
      // Blank lines and stray LFs between frames carry nothing.
      let start = 0;
      while (start < this.buf.length && (this.buf[start] === 10 || this.buf[start] === 13 || this.buf[start] === 32)) start++;
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length === 0) return out;
      const first = this.buf[0]!;
      if (first >= 0x30 && first <= 0x39) {
        const sp = this.buf.indexOf(32);
        const lfFirst = this.buf.indexOf(10);
        if (sp < 0 || (lfFirst >= 0 && lfFirst < sp)) {
          if ((this.buf.length <= 10 && this.buf.indexOf(10) < 0) || !this.octetCountError(out)) return out;
          continue;
        }
        const lenText = this.buf.subarray(0, sp).toString('latin1');
        if (!/^\d{1,10}$/.test(lenText)) {
          if (!this.octetCountError(out)) return out;
          continue;
        }
        const len = Number(lenText);
        const end = sp + 1 + len;
        if (len > this.maxFrameBytes) {
          // Deliver the allowed part once it is here, then skip the rest of the frame.
          if (this.buf.length < sp + 1 + this.maxFrameBytes) return out;
          out.push(trimLf(Buffer.from(this.buf.subarray(sp + 1, sp + 1 + this.maxFrameBytes))));
          this.skipBytes = len - this.maxFrameBytes;
          this.buf = this.buf.subarray(sp + 1 + this.maxFrameBytes);
          continue;
        }
        if (this.buf.length < end) return out;
        out.push(trimLf(Buffer.from(this.buf.subarray(sp + 1, end))));
        this.buf = this.buf.subarray(end);
        continue;
      }
      const lf = this.buf.indexOf(10);
      if (lf < 0) {
        if (this.buf.length > this.maxFrameBytes) {
          out.push(Buffer.from(this.buf.subarray(0, this.maxFrameBytes)));
          this.buf = Buffer.alloc(0);
          this.skipToLf = true;
        }
        return out;
      }
      out.push(trimLf(Buffer.from(this.buf.subarray(0, Math.min(lf, this.maxFrameBytes)))));
      this.buf = this.buf.subarray(lf + 1);
    }
  }

  /** What is left when the connection closes: an unterminated LF frame is still a message. */
  end(): Buffer[] {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    if (this.skipToLf || this.skipBytes > 0 || rest.length === 0) return [];
    const first = rest[0]!;
    if (first >= 0x30 && first <= 0x39) return [];
    return [trimLf(Buffer.from(rest.subarray(0, this.maxFrameBytes)))];
  }

  /**
   * A digit-led frame without a valid length: treat it as LF-terminated instead. Returns false
   * when it needs more bytes (no LF yet), true when it consumed something.
   */
  private octetCountError(out: Buffer[]): boolean {
    const lf = this.buf.indexOf(10);
    if (lf < 0) {
      if (this.buf.length <= this.maxFrameBytes) return false;
      out.push(Buffer.from(this.buf.subarray(0, this.maxFrameBytes)));
      this.skipToLf = true;
      this.buf = Buffer.alloc(0);
      return true;
    }
    out.push(trimLf(Buffer.from(this.buf.subarray(0, Math.min(lf, this.maxFrameBytes)))));
    this.buf = this.buf.subarray(lf + 1);
    return true;
  }
}

function trimLf(b: Buffer): Buffer {
  let end = b.length;
  while (end > 0 && (b[end - 1] === 10 || b[end - 1] === 13)) end--;
  return end === b.length ? b : b.subarray(0, end);
}
