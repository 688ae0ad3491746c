import type { AlertingStore, Database, DocumentStore, LogStore, MetricStore, ResourceStore } from '@vigil/storage';

/** The open storage the server works on. */
export interface StorageHandle {
  db: Database;
  metrics: MetricStore;
  logs: LogStore;
  resources: ResourceStore;
  docs: DocumentStore;
  alerting: AlertingStore;
}
