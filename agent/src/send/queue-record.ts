/**
 * A log file position that becomes final once the record carrying it is in the queue: the tailer
 * resumes from the highest of these it finds (see `checkpoint-store.ts`).
 */
export interface FileCursor {
  /** Path the file had when it was read. */
  path: string;
  dev: number;
  ino: number;
  /** Byte offset just after the last line in the record. */
  offset: number;
  /** Base64 of the file's first bytes (up to 64), to tell a reused inode from the same file. */
  head?: string;
}

/** What the agent stores per queue record: the ready-to-send request body and the log cursors it covers. */
export interface QueuePayload {
  body: Buffer;
  cursors: FileCursor[];
  /** Sequence number of a log batch, for position recovery (see `checkpoint-store.ts`). */
  seq?: number;
}

/**
 * Frames a {@link QueuePayload} as `[u32 meta length][meta JSON][body]`.
 *
 * @example
 * decodeQueuePayload(encodeQueuePayload({ body, cursors: [] })).body.equals(body); // true
 */
export function encodeQueuePayload(p: QueuePayload): Buffer {
  const meta = Buffer.from(JSON.stringify({ cursors: p.cursors, seq: p.seq }), 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(meta.length, 0);
  return Buffer.concat([head, meta, p.body]);
}

/** The inverse of {@link encodeQueuePayload}. */
export function decodeQueuePayload(buf: Buffer): QueuePayload {
  const metaLen = buf.readUInt32LE(0);
  const meta = JSON.parse(buf.subarray(4, 4 + metaLen).toString('utf8')) as { cursors: FileCursor[]; seq?: number };
  return { body: buf.subarray(4 + metaLen), cursors: meta.cursors, seq: meta.seq };
}
