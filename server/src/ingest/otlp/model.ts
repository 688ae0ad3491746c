/**
 * The OTLP messages Vigil reads, after decoding from protobuf or JSON and before conversion. Both
 * decoders produce exactly these shapes, so conversion is written (and tested) once.
 *
 * Attribute values arrive as `AnyValue`; they are turned into strings at decode time (a label or a
 * structured-metadata value can only be a string): strings as they are, booleans `true`/`false`,
 * integers in decimal, doubles as JavaScript prints them, bytes in base64, arrays and maps as JSON.
 */

/** One attribute with its value already rendered as a string. */
export interface OtlpAttribute {
  key: string;
  value: string;
}

/** `InstrumentationScope`. */
export interface OtlpScope {
  name: string;
  version: string;
  attributes: OtlpAttribute[];
}

/** `AggregationTemporality`: 0 unspecified, 1 delta, 2 cumulative. */
export type Temporality = 0 | 1 | 2;

/** Fields shared by every data point. Times are nanoseconds since the epoch (0 = not set). */
export interface OtlpPointBase {
  attributes: OtlpAttribute[];
  startTimeNs: bigint;
  timeNs: bigint;
  /** `DataPointFlags`; bit 0 = no recorded value (a staleness marker). */
  flags: number;
}

/** `NumberDataPoint`, with `as_int` converted to a double. */
export interface OtlpNumberPoint extends OtlpPointBase {
  value: number;
}

/** `HistogramDataPoint` (explicit buckets; `bucketCounts` are per bucket, `bounds.length + 1` of them). */
export interface OtlpHistogramPoint extends OtlpPointBase {
  count: number;
  sum: number | undefined;
  bucketCounts: number[];
  bounds: number[];
}

/** `SummaryDataPoint`. */
export interface OtlpSummaryPoint extends OtlpPointBase {
  count: number;
  sum: number;
  quantiles: Array<{ quantile: number; value: number }>;
}

/** The `data` oneof of a `Metric`; `exponential_histogram` keeps only its point count (dropped). */
export type OtlpMetricData =
  | { type: 'gauge'; points: OtlpNumberPoint[] }
  | { type: 'sum'; points: OtlpNumberPoint[]; temporality: Temporality; monotonic: boolean }
  | { type: 'histogram'; points: OtlpHistogramPoint[]; temporality: Temporality }
  | { type: 'exponential_histogram'; pointCount: number }
  | { type: 'summary'; points: OtlpSummaryPoint[] }
  | { type: 'none' };

/** `Metric`. */
export interface OtlpMetric {
  name: string;
  description: string;
  unit: string;
  data: OtlpMetricData;
}

/** `ResourceMetrics` flattened with its `ScopeMetrics`. */
export interface OtlpResourceMetrics {
  resource: OtlpAttribute[];
  scopes: Array<{ scope: OtlpScope; metrics: OtlpMetric[] }>;
}

/** `LogRecord`; `body` rendered as a string (undefined when absent). */
export interface OtlpLogRecord {
  timeNs: bigint;
  observedTimeNs: bigint;
  severityNumber: number;
  severityText: string;
  body: string | undefined;
  attributes: OtlpAttribute[];
  /** Lowercase hex, empty when absent. */
  traceId: string;
  spanId: string;
  eventName: string;
}

/** `ResourceLogs` flattened with its `ScopeLogs`. */
export interface OtlpResourceLogs {
  resource: OtlpAttribute[];
  scopes: Array<{ scope: OtlpScope; records: OtlpLogRecord[] }>;
}

/**
 * A request body that is not a valid OTLP message: the handler answers 400 with the message.
 * Decoders throw only this (and `ProtobufError`, which the protobuf decoder wraps into this).
 */
export class OtlpDecodeError extends Error {
  readonly code = 'bad_otlp';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OtlpDecodeError';
  }
}

/** Tells whether `err` is an {@link OtlpDecodeError}, by its `code`. */
export function isOtlpDecodeError(err: unknown): err is OtlpDecodeError {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'bad_otlp';
}

/** Deepest `AnyValue` nesting accepted; deeper values are refused rather than risking the stack. */
export const MAX_ANY_VALUE_DEPTH = 32;
