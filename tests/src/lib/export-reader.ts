import type { VigilRequestInit, VigilServer } from './vigil-server.js';

/** One line of `/api/v1/export` (VictoriaMetrics' JSON line format). */
export interface ExportedSeries {
  metric: Record<string, string>;
  /** Values; NaN and infinities arrive as the strings `NaN`, `Inf`, `-Inf`. */
  values: Array<number | string>;
  /** Epoch milliseconds, one per value. */
  timestamps: number[];
}

/** Options for {@link readExport}. */
export interface ReadExportOptions extends VigilRequestInit {
  /** Start of the range, epoch milliseconds (sent in seconds). @default no bound */
  startMs?: number;
  /** End of the range, epoch milliseconds (sent in seconds). @default no bound */
  endMs?: number;
}

/**
 * Reads `GET /api/v1/export?match[]=<match>` and parses every JSON line.
 *
 * @throws when the answer is not 200 or a line is not a valid export object
 * @example
 * const lines = await readExport(vigil, '{__name__="up"}', { tenant: 'a' });
 */
export async function readExport(
  server: VigilServer,
  match: string,
  options: ReadExportOptions = {},
): Promise<ExportedSeries[]> {
  const { startMs, endMs, ...init } = options;
  const params = new URLSearchParams({ 'match[]': match });
  if (startMs !== undefined) params.set('start', String(startMs / 1000));
  if (endMs !== undefined) params.set('end', String(endMs / 1000));
  const path = `/api/v1/export?${params}`;
  const res = await server.request(path, { timeoutMs: 60_000, ...init });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${text}`);
  const out: ExportedSeries[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as ExportedSeries;
    if (
      typeof parsed.metric !== 'object' ||
      !Array.isArray(parsed.values) ||
      !Array.isArray(parsed.timestamps) ||
      parsed.values.length !== parsed.timestamps.length
    ) {
      throw new Error(`GET ${path}: malformed export line ${line.slice(0, 300)}`);
    }
    out.push(parsed);
  }
  return out;
}
