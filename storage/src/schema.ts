import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The DuckDB schema, as an ordered list of migrations. `storage/docs/schema.md` draws every table;
 * change both in the same commit.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE tenants (
    id VARCHAR PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    retention_ms BIGINT
  );
  CREATE TABLE api_keys (
    id VARCHAR PRIMARY KEY,
    tenant VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    key_hash VARCHAR NOT NULL,
    scopes VARCHAR NOT NULL,
    is_root BOOLEAN NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT
  );
  CREATE TABLE series (
    id UINTEGER PRIMARY KEY,
    tenant VARCHAR NOT NULL,
    labels VARCHAR NOT NULL,
    created_ms BIGINT NOT NULL
  );
  CREATE TABLE samples (series_id UINTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE);
  CREATE TABLE samples_head_0 (series_id UINTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE);
  CREATE TABLE samples_head_1 (series_id UINTEGER NOT NULL, ts BIGINT NOT NULL, value DOUBLE);
  CREATE TABLE metric_metadata (
    tenant VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    help VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant, metric)
  );
  `,
  `
  CREATE TABLE log_streams (
    id UINTEGER PRIMARY KEY,
    tenant VARCHAR NOT NULL,
    labels VARCHAR NOT NULL,
    created_ms BIGINT NOT NULL
  );
  CREATE TABLE log_entries (stream_id UINTEGER NOT NULL, ts BIGINT NOT NULL, line VARCHAR NOT NULL, metadata VARCHAR);
  CREATE TABLE log_entries_head_0 (stream_id UINTEGER NOT NULL, ts BIGINT NOT NULL, line VARCHAR NOT NULL, metadata VARCHAR);
  CREATE TABLE log_entries_head_1 (stream_id UINTEGER NOT NULL, ts BIGINT NOT NULL, line VARCHAR NOT NULL, metadata VARCHAR);
  `,
  `
  CREATE TABLE documents (
    tenant VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (tenant, kind, id)
  );
  `,
  `
  CREATE TABLE alarm_instances (
    tenant VARCHAR NOT NULL,
    alarm VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    PRIMARY KEY (tenant, alarm, fingerprint)
  );
  CREATE TABLE alarm_history (tenant VARCHAR NOT NULL, alarm VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, ts BIGINT NOT NULL, body VARCHAR NOT NULL);
  CREATE TABLE notification_log (
    tenant VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    group_key VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    PRIMARY KEY (tenant, channel, group_key)
  );
  CREATE TABLE notification_outbox (
    id VARCHAR PRIMARY KEY,
    tenant VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    created_ms BIGINT NOT NULL,
    next_attempt_ms BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error VARCHAR,
    delivered_ms BIGINT,
    body VARCHAR NOT NULL
  );
  `,
  `
  CREATE TABLE scaling_state (
    tenant VARCHAR NOT NULL,
    grp VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    PRIMARY KEY (tenant, grp)
  );
  CREATE TABLE scaling_activities (
    tenant VARCHAR NOT NULL,
    grp VARCHAR NOT NULL,
    ts BIGINT NOT NULL,
    body VARCHAR NOT NULL
  );
  `,
];

/** Brings the schema up to date inside one transaction per migration. */
export async function migrate(conn: DuckDBConnection): Promise<void> {
  await conn.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const rows = (await conn.runAndReadAll('SELECT max(version) FROM schema_version')).getRows();
  const current = Number(rows[0]?.[0] ?? 0);
  for (let v = current; v < MIGRATIONS.length; v++) {
    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(MIGRATIONS[v]!);
      await conn.run(`INSERT INTO schema_version VALUES (${v + 1})`);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK');
      throw err;
    }
  }
}

/** Names of the two head tables that sample commits alternate between (see schema.md). */
export const HEAD_TABLES = ['samples_head_0', 'samples_head_1'] as const;

/** Names of the two head tables that log commits alternate between. */
export const LOG_HEAD_TABLES = ['log_entries_head_0', 'log_entries_head_1'] as const;
