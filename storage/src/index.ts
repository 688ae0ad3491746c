export { Database, type DatabaseOptions } from './database.js';
export { SerialQueue } from './serial.js';
export { DocumentStore, type StoredDocument } from './document-store.js';
export { AlertingStore, type AlarmHistoryRow, type AlarmInstanceRow, type NotificationLogRow, type OutboxRow } from './alerting-store.js';
export { HeadTable, type HeadTableOptions } from './head-table.js';
export { type WriteJob, WriteQueue } from './write-queue.js';
export { StorageError, type StorageErrorCode, type WriteFailureKind, classifyWriteFailure, isStorageError, storageFailure } from './errors.js';
export { type Label, type LabelSet, canonicalLabels, labelsToObject, objectToLabels, seriesKey } from './labels.js';
export {
  type CompiledMatcher,
  type LabelMatcher,
  MAX_REGEX_LENGTH,
  type MatchType,
  assertNever,
  compileMatcher,
} from './matchers.js';
export {
  type AppendOptions,
  type AppendRejection,
  type AppendResult,
  type CardinalityStats,
  type MetricMetadata,
  MetricStore,
  type MetricStoreOptions,
  type SeriesData,
  type SeriesRefSlot,
  type SeriesSamples,
} from './metric-store.js';
export { type ApiKeyRecord, type KeyScope, ResourceStore, type Tenant } from './resource-store.js';
export { type IndexedSeries, TenantSeriesIndex, labelValue } from './series-index.js';
export {
  type CommittedStream,
  type LogAppendResult,
  type LogListener,
  type LogEntry,
  type LogReadParams,
  type LogJsonDropHint,
  LogStore,
  type LogStoreOptions,
  type LogStreamEntries,
  type StoredLogEntry,
  type StreamEntries,
  type StreamRejection,
} from './log-store.js';
export { type WalRecovery, isDatabaseCorruption, openWithWalRecovery } from './recovery.js';
