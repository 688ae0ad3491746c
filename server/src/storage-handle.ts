import type { Database, MetricStore, ResourceStore } from '@vigil/storage';

/** The open storage the server works on. */
export interface StorageHandle {
  db: Database;
  metrics: MetricStore;
  resources: ResourceStore;
}
