import { type Socket as UdpSocket, createSocket } from 'node:dgram';
import { type Server, type Socket, createServer } from 'node:net';
import { type Label, type LogEntry, type StreamEntries, canonicalLabels } from '@vigil/storage';
import { type TenantLimits, type VigilConfig, limitsFor } from '../../config/config.js';
import { isHttpError } from '../../errors.js';
import type { IngestContext } from '../ingest-context.js';
import { SyslogFrameDecoder } from './framing.js';
import { FACILITY_NAMES, SEVERITY_NAMES, type SyslogMessage, parseSyslog } from './parse.js';

/** Where syslog messages go: the parts of {@link IngestContext} the listeners use. */
export type SyslogSink = Pick<IngestContext, 'config' | 'metrics' | 'now' | 'appendLogs' | 'admitLogBytes'>;

/** Options of {@link startSyslogListeners}. */
export interface SyslogListenerOptions {
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** UDP port (RFC 5426), undefined = no UDP listener; 0 = any free port. */
  udpPort?: number;
  /** TCP port (RFC 6587), undefined = no TCP listener; 0 = any free port. */
  tcpPort?: number;
  /** Tenant that receives every message. @default 'default' */
  tenant?: string;
  /** Longest message kept, bytes; longer TCP frames are cut. @default 65536 */
  maxMessageBytes?: number;
  /** Longest a message waits before its batch is stored, ms. @default 200 */
  flushIntervalMs?: number;
  /** Messages that make a batch be stored at once. @default 1000 */
  maxBatch?: number;
  /** Open TCP connections at once; more are closed on accept. @default 1000 */
  maxConnections?: number;
  /** Reports errors (storage, rate limits, sockets); never throws back. @default ignore */
  onError?: (err: unknown) => void;
}

/** Running listeners: their bound ports and a stop function. */
export interface SyslogListeners {
  udpPort: number | undefined;
  tcpPort: number | undefined;
  /** Closes the sockets, stores what is buffered, and resolves when done. */
  stop(): Promise<void>;
}

/**
 * Maps a parsed message to stream labels `host`, `app`, `facility`, `level` (severity name) and
 * to an entry whose line is the message and whose metadata holds the structured data, `procid`
 * and `msgid`. `peer` names the host when the message does not.
 */
export function syslogToEntry(m: SyslogMessage, peer: string): { labels: Label[]; entry: LogEntry } {
  const labels = canonicalLabels([
    { name: 'host', value: m.hostname || peer },
    { name: 'app', value: m.appName },
    { name: 'facility', value: FACILITY_NAMES[m.facility] ?? String(m.facility) },
    { name: 'level', value: SEVERITY_NAMES[m.severity] ?? String(m.severity) },
  ]);
  const metadata: Record<string, string> = { ...m.structuredData };
  if (m.procId) metadata.procid = m.procId;
  if (m.msgId) metadata.msgid = m.msgId;
  return { labels, entry: { tsNs: m.tsNs, line: m.message, ...(Object.keys(metadata).length > 0 ? { metadata } : {}) } };
}

/**
 * Starts the syslog listeners (RFC 5424 and RFC 3164 over UDP and TCP, octet-counted or
 * LF-framed per TCP frame) that store every message as a log entry of `options.tenant`
 * (see {@link syslogToEntry}). Messages are batched for up to `flushIntervalMs`. Storage errors
 * and rate-limit refusals drop the batch, count the lines under
 * `vigil_ingest_discarded_log_lines_total` and go to `onError`; the listeners keep running.
 *
 * @example
 * const syslog = await startSyslogListeners({ udpPort: 5514, tcpPort: 5514 }, ingest);
 * // …
 * await syslog.stop();
 */
export async function startSyslogListeners(options: SyslogListenerOptions, sink: SyslogSink): Promise<SyslogListeners> {
  const host = options.host ?? '127.0.0.1';
  const tenant = options.tenant ?? 'default';
  const maxBytes = options.maxMessageBytes ?? 65_536;
  const flushMs = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 1000;
  const maxConnections = options.maxConnections ?? 1000;
  const onError = (err: unknown) => {
    try {
      options.onError?.(err);
    } catch {
      // An error reporter that throws must not take the listener down.
    }
  };

  let pending: Array<{ labels: Label[]; entry: LogEntry }> = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return inFlight;
    const items = pending;
    pending = [];
    // Batches are stored one after another, so entries of one stream keep their order.
    inFlight = inFlight.then(() => store(sink, tenant, items).catch(onError));
    return inFlight;
  };
  const accept = (raw: Buffer, peer: string) => {
    const text = raw.subarray(0, maxBytes).toString('utf8');
    if (text.trim() === '') return;
    pending.push(syslogToEntry(parseSyslog(text, sink.now()), peer));
    if (pending.length >= maxBatch) void flush();
    else timer ??= setTimeout(() => void flush(), flushMs);
  };

  let udp: UdpSocket | undefined;
  let tcp: Server | undefined;
  const sockets = new Set<Socket>();
  try {
    if (options.udpPort !== undefined) {
      const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      udp = socket;
      socket.on('message', (msg, rinfo) => accept(msg, rinfo.address));
      socket.on('error', onError);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(options.udpPort, host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    }
    if (options.tcpPort !== undefined) {
      const server = createServer((socket) => {
        if (sockets.size >= maxConnections) {
          socket.destroy();
          return;
        }
        sockets.add(socket);
        const decoder = new SyslogFrameDecoder(maxBytes);
        const peer = socket.remoteAddress ?? '';
        socket.on('data', (chunk) => {
          for (const frame of decoder.push(chunk)) accept(frame, peer);
        });
        socket.on('end', () => {
          for (const frame of decoder.end()) accept(frame, peer);
        });
        socket.on('error', onError);
        socket.on('close', () => sockets.delete(socket));
      });
      tcp = server;
      server.on('error', onError);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.tcpPort, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
  } catch (err) {
    udp?.close();
    tcp?.close();
    throw err;
  }

  const tcpAddress = tcp?.address();
  return {
    udpPort: udp?.address().port,
    tcpPort: tcpAddress && typeof tcpAddress === 'object' ? tcpAddress.port : undefined,
    async stop() {
      await new Promise<void>((resolve) => (udp ? udp.close(() => resolve()) : resolve()));
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (tcp ? tcp.close(() => resolve()) : resolve()));
      await flush();
    },
  };
}

/** Stores one batch: rate limit, per-stream limits, append; counts what it drops. */
async function store(sink: SyslogSink, tenant: string, items: Array<{ labels: Label[]; entry: LogEntry }>): Promise<void> {
  const config: VigilConfig = sink.config;
  const limits: TenantLimits = limitsFor(config, tenant);
  const byStream = new Map<string, { labels: Label[]; entries: LogEntry[] }>();
  let bytes = 0;
  let tooLong = 0;
  for (const { labels, entry } of items) {
    if (Buffer.byteLength(entry.line, 'utf8') > limits.maxLineBytes) {
      tooLong++;
      continue;
    }
    bytes += entry.line.length;
    let key = '';
    for (const l of labels) key += `${l.name}\u0000${l.value}\u0001`;
    let s = byStream.get(key);
    if (!s) {
      s = { labels, entries: [] };
      byStream.set(key, s);
    }
    s.entries.push(entry);
  }
  if (tooLong > 0) sink.metrics.discardedLogLines.inc({ reason: 'line_too_long' }, tooLong);
  const batch: StreamEntries[] = [...byStream.values()];
  const lines = items.length - tooLong;
  if (lines === 0) return;
  try {
    sink.admitLogBytes(tenant, bytes, lines, limits);
  } catch (err) {
    // admitLogBytes has counted the lines; a syslog sender cannot be told to retry.
    if (isHttpError(err)) throw new Error(`syslog: dropped ${lines} messages: ${err.message}`, { cause: err });
    throw err;
  }
  try {
    const result = await sink.appendLogs(tenant, batch, limits);
    for (const r of result.rejected) sink.metrics.discardedLogLines.inc({ reason: 'stream_limit' }, batch[r.index]!.entries.length);
    sink.metrics.ingestedLogLines.inc({ protocol: 'syslog' }, result.entriesWritten);
    sink.metrics.ingestedLogBytes.inc({ protocol: 'syslog' }, result.bytesWritten);
  } catch (err) {
    sink.metrics.discardedLogLines.inc({ reason: 'storage_error' }, lines);
    throw err;
  }
}
