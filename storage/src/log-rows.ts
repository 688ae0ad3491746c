import { BIGINT, DuckDBDataChunk, UINTEGER, VARCHAR } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { LogEntry } from './log-store.js';

/** One stream's entries in a log append: the stream's id and its entries, as given. */
export interface LogRowsPart {
  readonly streamId: number;
  readonly entries: readonly LogEntry[];
}

const VECTOR_SIZE = 2048;
const ids = new Uint32Array(VECTOR_SIZE);
const timestamps = new BigInt64Array(VECTOR_SIZE);
/** Validity of the metadata column: bit `i` set = row `i` has metadata. */
const metaValid = new Uint8Array(VECTOR_SIZE / 8);

/** The structured metadata of `e` as stored (JSON of the object), or null when it has none. */
function metadataJson(e: LogEntry): string | null {
  return e.metadata && Object.keys(e.metadata).length > 0 ? JSON.stringify(e.metadata) : null;
}

/**
 * Builds the DuckDB data chunks (2,048 rows each) of log entries for a
 * `(stream_id UINTEGER, ts BIGINT, line VARCHAR, metadata VARCHAR)` table, writing the vectors
 * with `@duckdb/node-bindings` directly: ids and timestamps are copied in bulk from typed arrays,
 * lines and metadata assigned one native call each, and the metadata validity mask written once
 * per vector. (`@duckdb/node-api`'s `setColumnValues` keeps a JS cache, a dirty flag and BigInt
 * validity arithmetic per value on top of the same native calls.)
 *
 * The chunks need no connection or transaction: {@link LogStore.append} builds them when it is
 * called, so the group commit (one at a time) only hands them to an appender.
 */
export function buildLogChunks(parts: readonly LogRowsPart[]): DuckDBDataChunk[] {
  const chunks: DuckDBDataChunk[] = [];
  let chunk: DuckDBDataChunk | undefined;
  let lineVec: duckdb.Vector | undefined;
  let metaVec: duckdb.Vector | undefined;
  let n = 0;
  let anyNull = false;
  const finish = (): void => {
    const c = chunk!.chunk;
    chunk!.rowCount = n;
    duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(c, 0), 0, ids.buffer, 0, n * 4);
    duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(c, 1), 0, timestamps.buffer, 0, n * 8);
    if (anyNull) {
      duckdb.vector_ensure_validity_writable(metaVec!);
      duckdb.copy_data_to_vector_validity(metaVec!, 0, metaValid.buffer, 0, Math.ceil(n / 64) * 8);
    }
    chunks.push(chunk!);
    chunk = undefined;
  };
  for (const part of parts) {
    const id = part.streamId;
    for (const e of part.entries) {
      if (!chunk) {
        chunk = DuckDBDataChunk.create([UINTEGER, BIGINT, VARCHAR, VARCHAR]);
        lineVec = duckdb.data_chunk_get_vector(chunk.chunk, 2);
        metaVec = duckdb.data_chunk_get_vector(chunk.chunk, 3);
        n = 0;
        anyNull = false;
        metaValid.fill(0);
      }
      ids[n] = id;
      timestamps[n] = e.tsNs;
      duckdb.vector_assign_string_element(lineVec!, n, e.line);
      const meta = metadataJson(e);
      if (meta === null) anyNull = true;
      else {
        duckdb.vector_assign_string_element(metaVec!, n, meta);
        metaValid[n >> 3]! |= 1 << (n & 7);
      }
      if (++n === VECTOR_SIZE) finish();
    }
  }
  if (chunk && n > 0) finish();
  return chunks;
}
