import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  DuckDBDataChunk,
  type DuckDBVector,
  UINTEGER,
} from '@duckdb/node-api';

/**
 * Fast paths between JS typed arrays and DuckDB vectors.
 *
 * `@duckdb/node-api` keeps each fixed-width vector's data in a typed array (`items`) that it
 * copies to native memory on `flush()`. Writing that array in bulk is ~10× faster than one
 * `setItem` call per value, which matters at hundreds of thousands of samples per second. The
 * field is not part of the public typings, so every access is guarded and falls back to the
 * public per-item API if a future version changes it.
 */
interface WithItems {
  items?: unknown;
  setItem(i: number, v: unknown): void;
  getItem(i: number): unknown;
  flush(): void;
}

const VECTOR_SIZE = 2048;
const TWO_32 = 4294967296;

/** Rows of the `samples*` tables as parallel arrays; `value` NaN + `stale[i]=1` means a stale marker. */
export interface SampleRows {
  seriesIds: Uint32Array;
  timestampsMs: Float64Array;
  values: Float64Array;
  stale: Uint8Array;
  length: number;
}

/** Creates an empty, growable {@link SampleRows}. */
export function createSampleRows(capacity = 16_384): SampleRows {
  return {
    seriesIds: new Uint32Array(capacity),
    timestampsMs: new Float64Array(capacity),
    values: new Float64Array(capacity),
    stale: new Uint8Array(capacity),
    length: 0,
  };
}

/** Makes room for `extra` more rows, doubling the arrays as needed. */
export function reserveRows(rows: SampleRows, extra: number): void {
  const need = rows.length + extra;
  if (need <= rows.seriesIds.length) return;
  let cap = rows.seriesIds.length * 2;
  while (cap < need) cap *= 2;
  const grow = <T extends Uint32Array | Float64Array | Uint8Array>(a: T, ctor: new (n: number) => T): T => {
    const b = new ctor(cap);
    b.set(a.subarray(0, rows.length) as never);
    return b;
  };
  rows.seriesIds = grow(rows.seriesIds, Uint32Array);
  rows.timestampsMs = grow(rows.timestampsMs, Float64Array);
  rows.values = grow(rows.values, Float64Array);
  rows.stale = grow(rows.stale, Uint8Array);
}

/**
 * Appends rows to a `(series_id UINTEGER, ts BIGINT, value DOUBLE)` table through `appender`, one
 * DuckDB vector (2,048 rows) at a time. Stale markers are written as NULL values.
 */
export function appendSampleRows(appender: DuckDBAppender, rows: SampleRows): void {
  for (let off = 0; off < rows.length; off += VECTOR_SIZE) {
    const n = Math.min(VECTOR_SIZE, rows.length - off);
    const chunk = DuckDBDataChunk.create([UINTEGER, BIGINT, DOUBLE], n);
    const idVec = chunk.getColumnVector(0) as unknown as WithItems;
    const tsVec = chunk.getColumnVector(1) as unknown as WithItems;
    const valVec = chunk.getColumnVector(2) as unknown as WithItems;
    if (idVec.items instanceof Uint32Array) idVec.items.set(rows.seriesIds.subarray(off, off + n));
    else for (let i = 0; i < n; i++) idVec.setItem(i, rows.seriesIds[off + i]);
    if (tsVec.items instanceof BigInt64Array) {
      const words = new Int32Array(tsVec.items.buffer, tsVec.items.byteOffset, n * 2);
      for (let i = 0; i < n; i++) {
        const t = rows.timestampsMs[off + i]!;
        const hi = Math.floor(t / TWO_32);
        words[2 * i] = (t - hi * TWO_32) | 0;
        words[2 * i + 1] = hi;
      }
    } else {
      for (let i = 0; i < n; i++) tsVec.setItem(i, BigInt(rows.timestampsMs[off + i]!));
    }
    if (valVec.items instanceof Float64Array) valVec.items.set(rows.values.subarray(off, off + n));
    else for (let i = 0; i < n; i++) valVec.setItem(i, rows.values[off + i]);
    for (let i = 0; i < n; i++) if (rows.stale[off + i] === 1) valVec.setItem(i, null);
    idVec.flush();
    tsVec.flush();
    valVec.flush();
    appender.appendDataChunk(chunk);
  }
}

/** Reads a UINTEGER/INTEGER column of a result chunk as numbers. */
export function readNumberColumn(vec: DuckDBVector, n: number): ArrayLike<number> {
  const v = vec as unknown as WithItems;
  if (v.items instanceof Uint32Array || v.items instanceof Int32Array || v.items instanceof Float64Array) {
    return v.items.subarray(0, n);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = Number(v.getItem(i));
  return out;
}

/** Reads a BIGINT column of a result chunk as numbers (exact up to 2^53). */
export function readBigIntColumn(vec: DuckDBVector, n: number): Float64Array {
  const v = vec as unknown as WithItems;
  const out = new Float64Array(n);
  if (v.items instanceof BigInt64Array) {
    const words = new Int32Array(v.items.buffer, v.items.byteOffset, n * 2);
    for (let i = 0; i < n; i++) out[i] = words[2 * i + 1]! * TWO_32 + (words[2 * i]! >>> 0);
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = Number(v.getItem(i));
  return out;
}

/** Reads a nullable DOUBLE column; NULLs come back in `nulls` (1 = NULL). */
export function readDoubleColumn(vec: DuckDBVector, n: number): { values: Float64Array; nulls: Uint8Array } {
  const v = vec as unknown as WithItems & { validity?: { data?: unknown; offset?: number } };
  const values = new Float64Array(n);
  const nulls = new Uint8Array(n);
  if (v.items instanceof Float64Array) {
    values.set(v.items.subarray(0, n));
    const data = v.validity?.data;
    if (data === null) return { values, nulls };
    if (data instanceof BigUint64Array && (v.validity?.offset ?? 0) === 0) {
      const words = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
      for (let i = 0; i < n; i++) if ((words[i >>> 5]! & (1 << (i & 31))) === 0) nulls[i] = 1;
      return { values, nulls };
    }
  }
  for (let i = 0; i < n; i++) {
    const item = v.getItem(i);
    if (item === null) nulls[i] = 1;
    else values[i] = Number(item);
  }
  return { values, nulls };
}

/** Copies a BIGINT column of a result chunk into `dst` at `offset` as numbers (exact up to 2^53). */
export function readBigIntColumnInto(vec: DuckDBVector, n: number, dst: Float64Array, offset = 0): void {
  const v = vec as unknown as WithItems;
  if (v.items instanceof BigInt64Array) {
    const words = new Int32Array(v.items.buffer, v.items.byteOffset, n * 2);
    for (let i = 0; i < n; i++) dst[offset + i] = words[2 * i + 1]! * TWO_32 + (words[2 * i]! >>> 0);
    return;
  }
  for (let i = 0; i < n; i++) dst[offset + i] = Number(v.getItem(i));
}

/**
 * Copies a nullable DOUBLE column into `values` at `offset`; a NULL becomes NaN with `nulls` set to
 * 1 (the sample layout of stale markers). Rows that are not NULL get `nulls` 0.
 */
export function readDoubleColumnInto(
  vec: DuckDBVector,
  n: number,
  values: Float64Array,
  nulls: Uint8Array,
  offset = 0,
): void {
  const v = vec as unknown as WithItems & { validity?: { data?: unknown; offset?: number } };
  if (v.items instanceof Float64Array) {
    const data = v.validity?.data;
    if (data === null) {
      values.set(v.items.subarray(0, n), offset);
      nulls.fill(0, offset, offset + n);
      return;
    }
    if (data instanceof BigUint64Array && (v.validity?.offset ?? 0) === 0) {
      values.set(v.items.subarray(0, n), offset);
      const words = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
      for (let i = 0; i < n; i++) {
        if ((words[i >>> 5]! & (1 << (i & 31))) === 0) {
          nulls[offset + i] = 1;
          values[offset + i] = Number.NaN;
        } else {
          nulls[offset + i] = 0;
        }
      }
      return;
    }
  }
  for (let i = 0; i < n; i++) {
    const item = v.getItem(i);
    if (item === null) {
      nulls[offset + i] = 1;
      values[offset + i] = Number.NaN;
    } else {
      nulls[offset + i] = 0;
      values[offset + i] = Number(item);
    }
  }
}
