// The PostgreSQL schema as numbered migrations, applied on start under an advisory lock so
// nodes starting together apply each one exactly once.

import type { PoolClient } from 'pg';

/** One schema step; `version`s are consecutive from 1 and never change once released. */
interface Migration {
  version: number;
  sql: string;
}

// Times are epoch milliseconds (BIGINT), like the SQLite schema. A job's `owner` and
// `lease_until` say which worker claimed it until when; an expired lease is claimable again.
const migrations: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE media (
  id TEXT PRIMARY KEY,
  chat_jid TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  is_from_me INTEGER NOT NULL,
  participant TEXT,
  type TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  file_sha256 BYTEA NOT NULL,
  file_length BIGINT,
  host_key TEXT NOT NULL,
  message BYTEA NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  size BIGINT,
  error_kind TEXT,
  error_code INTEGER,
  error_title TEXT,
  error_details TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  downloaded_at BIGINT,
  UNIQUE (chat_jid, msg_id)
);
CREATE INDEX media_created ON media (created_at, id);
CREATE TABLE jobs (
  media_id TEXT PRIMARY KEY REFERENCES media(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  run_at BIGINT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  owner TEXT,
  lease_until BIGINT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE TABLE outbox (
  seq BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  media_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT,
  owner TEXT,
  lease_until BIGINT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);`,
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION: number = migrations.length;

// Any constant the store's nodes agree on: it names the advisory lock of migrations.
const migrationLockKey = 0x7761_6d65;

/**
 * Applies the migrations the database lacks, each in its own transaction, holding a session
 * advisory lock meanwhile: a second node starting at the same moment waits, then finds them
 * applied.
 * @throws {Error} when the database has a newer schema than this code (a downgrade).
 * @returns the versions applied now
 */
export async function migrate(client: PoolClient): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS wa_media_schema (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const { rows } = await client.query<{ version: number }>(
      'SELECT COALESCE(MAX(version), 0)::int AS version FROM wa_media_schema',
    );
    const current = rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `the database schema is version ${current}, newer than this store's ${SCHEMA_VERSION}`,
      );
    }
    const applied: number[] = [];
    for (const migration of migrations.filter((step) => step.version > current)) {
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO wa_media_schema (version, applied_at) VALUES ($1, $2)', [
          migration.version,
          Date.now(),
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
  }
}
