// The PostgreSQL MetadataStore (node-postgres): records, the job queue, the webhook outbox and
// counters shared by many store nodes. Jobs and events are claimed with FOR UPDATE SKIP LOCKED
// under an expiring lease; LISTEN/NOTIFY wakes idle nodes.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type {
  ClaimRequest,
  CounterName,
  JobRow,
  MediaRow,
  MetadataStore,
  NewMedia,
  NewOutboxEvent,
  OutboxRow,
  PageCursor,
  RecordedFailure,
  StoreStats,
} from '../ports/metadata-store.js';
import { migrate } from './postgres-schema.js';
import { PostgresWakeups } from './postgres-wakeups.js';
import { takeUntilUnder } from './quota.js';
import { newMediaValues, zeroCounters } from './shared-rows.js';

/** Options of {@link PostgresMetadataStore.open}. */
export interface PostgresMetadataOptions {
  /** `postgres://user:password@host:port/database` (also `?host=/socket/dir`). */
  connectionString: string;
  /** How long a claim lasts without renewal. */
  leaseMs: number;
  /** Connections in the pool. */
  poolSize: number;
  /** Background connection problems (never with the connection string). */
  onError: (error: unknown) => void;
}

// BIGINT (int8) columns hold epoch milliseconds and sizes, far below 2^53: numbers, not strings.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

const channel = 'wa_media_work';

type Queryable = Pick<pg.PoolClient, 'query'>;

async function bump(client: Queryable, name: CounterName): Promise<void> {
  await client.query(
    'INSERT INTO counters (name, value) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET value = counters.value + 1',
    [name],
  );
}

async function insertEvent(client: Queryable, event: NewOutboxEvent, now: number): Promise<void> {
  await client.query(
    `INSERT INTO outbox (event_id, media_id, kind, body, state, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $5)`,
    [event.eventId, event.mediaId, event.kind, event.body, now],
  );
  await client.query('SELECT pg_notify($1, $2)', [channel, 'events']);
}

async function upsertDueJob(client: Queryable, id: string, now: number): Promise<void> {
  await client.query(
    `INSERT INTO jobs (media_id, state, run_at, attempt) VALUES ($1, 'pending', $2, 0)
       ON CONFLICT (media_id) DO UPDATE SET run_at = LEAST(jobs.run_at, excluded.run_at), attempt = 0
       WHERE jobs.state = 'pending'`,
    [id, now],
  );
  await client.query('SELECT pg_notify($1, $2)', [channel, 'jobs']);
}

/**
 * A {@link MetadataStore} in PostgreSQL. Every job write after the claim is fenced by the
 * claim's owner, so a worker whose lease expired (stalled, partitioned) cannot settle a job
 * another worker took over.
 */
export class PostgresMetadataStore implements MetadataStore {
  readonly kind = 'postgres';
  /** This worker's claim owner id. */
  readonly owner: string = randomUUID();
  readonly #pool: pg.Pool;
  readonly #leaseMs: number;
  readonly #wakeups: PostgresWakeups;

  private constructor(pool: pg.Pool, options: PostgresMetadataOptions) {
    this.#pool = pool;
    this.#leaseMs = options.leaseMs;
    this.#wakeups = new PostgresWakeups(
      { connectionString: options.connectionString, types },
      channel,
      options.onError,
    );
  }

  /**
   * Connects, applies pending migrations and starts listening for other nodes' work.
   * @throws {Error} when the database cannot be reached or migrated.
   */
  static async open(options: PostgresMetadataOptions): Promise<PostgresMetadataStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize,
      types,
      application_name: 'wa-media-store',
      connectionTimeoutMillis: 10_000,
    });
    // An idle connection dropped by a server restart must not crash the process.
    pool.on('error', options.onError);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw error;
    }
    const store = new PostgresMetadataStore(pool, options);
    await store.#wakeups.start();
    return store;
  }

  async close(): Promise<void> {
    await this.#wakeups.stop();
    await this.#pool.end();
  }

  onWork(listener: (what: 'jobs' | 'events') => void): () => void {
    return this.#wakeups.subscribe(listener);
  }

  // Leases expire by themselves: another node's running jobs are not touched.
  async recoverInterruptedJobs(): Promise<number> {
    return 0;
  }

  async findByMessageKey(chatJid: string, msgId: string): Promise<MediaRow | undefined> {
    const { rows } = await this.#pool.query<MediaRow>(
      'SELECT * FROM media WHERE chat_jid = $1 AND msg_id = $2',
      [chatJid, msgId],
    );
    return rows[0];
  }

  async get(id: string): Promise<MediaRow | undefined> {
    const { rows } = await this.#pool.query<MediaRow>('SELECT * FROM media WHERE id = $1', [id]);
    return rows[0];
  }

  async list(): Promise<MediaRow[]> {
    return (await this.#pool.query<MediaRow>('SELECT * FROM media ORDER BY created_at, id')).rows;
  }

  async listPage(after: PageCursor | undefined, limit: number): Promise<MediaRow[]> {
    if (after === undefined) {
      return (
        await this.#pool.query<MediaRow>('SELECT * FROM media ORDER BY created_at, id LIMIT $1', [
          limit,
        ])
      ).rows;
    }
    const { rows } = await this.#pool.query<MediaRow>(
      'SELECT * FROM media WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3',
      [after.createdAt, after.id, limit],
    );
    return rows;
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async createdBefore(createdBefore: number, limit: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(
      `SELECT id FROM media WHERE created_at < $1 AND status IN ('downloaded', 'failed')
         ORDER BY created_at, id LIMIT $2`,
      [createdBefore, limit],
    );
    return rows.map((row) => row.id);
  }

  async overQuota(maxBytes: number, limit: number): Promise<string[]> {
    const { rows } = await this.#pool.query<{ total: number }>(
      "SELECT COALESCE(SUM(size), 0)::bigint AS total FROM media WHERE status = 'downloaded'",
    );
    const total = rows[0]?.total ?? 0;
    if (total <= maxBytes) return [];
    const oldest = await this.#pool.query<{ id: string; size: number | null }>(
      `SELECT id, size FROM media WHERE status = 'downloaded'
         ORDER BY downloaded_at, id LIMIT $1`,
      [limit],
    );
    return takeUntilUnder(oldest.rows, total - maxBytes);
  }

  async evict(id: string, now: number, event?: NewOutboxEvent): Promise<boolean> {
    return this.#transaction(async (client) => {
      const { rowCount } = await client.query('DELETE FROM media WHERE id = $1', [id]);
      if (rowCount === 0) return false;
      if (event !== undefined) await insertEvent(client, event, now);
      await bump(client, 'evicted');
      return true;
    });
  }

  async ids(): Promise<Set<string>> {
    const { rows } = await this.#pool.query<{ id: string }>('SELECT id FROM media');
    return new Set(rows.map((row) => row.id));
  }

  async downloadedIds(): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(
      "SELECT id FROM media WHERE status = 'downloaded'",
    );
    return rows.map((row) => row.id);
  }

  async insertWithJob(media: NewMedia, now: number): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(
        `INSERT INTO media (id, chat_jid, msg_id, is_from_me, participant, type, mime_type,
             file_sha256, file_length, host_key, message, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12, $12)`,
        newMediaValues(media, now),
      );
      await upsertDueJob(client, media.id, now);
    });
  }

  async requeue(id: string, now: number): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(
        `UPDATE media SET status = CASE WHEN status = 'downloading' THEN status ELSE 'pending' END,
             error_kind = NULL, error_code = NULL, error_title = NULL, error_details = NULL,
             updated_at = $1 WHERE id = $2`,
        [now, id],
      );
      await upsertDueJob(client, id, now);
      await bump(client, 'retried');
    });
  }

  async requeueLostFile(id: string, now: number, failure: RecordedFailure): Promise<boolean> {
    return this.#transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE media SET status = 'pending', size = NULL, downloaded_at = NULL, error_kind = $1,
             error_code = $2, error_title = $3, error_details = $4, updated_at = $5
           WHERE id = $6 AND status = 'downloaded'`,
        [failure.kind, failure.code, failure.title, failure.details, now, id],
      );
      if (rowCount === 0) return false;
      await upsertDueJob(client, id, now);
      await bump(client, 'lost-files');
      return true;
    });
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query('DELETE FROM media WHERE id = $1', [id]);
    return (rowCount ?? 0) > 0;
  }

  async claimDueJobs(request: ClaimRequest): Promise<JobRow[]> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query<JobRow>(
        `WITH due AS (
           SELECT jobs.media_id, media.host_key FROM jobs JOIN media ON media.id = jobs.media_id
             WHERE ((jobs.state = 'pending' AND jobs.run_at <= $1)
                 OR (jobs.state = 'running' AND jobs.lease_until < $1))
               AND media.host_key <> ALL($2::text[]) AND jobs.media_id <> ALL($3::text[])
             ORDER BY jobs.run_at, jobs.media_id LIMIT $4
             FOR UPDATE OF jobs SKIP LOCKED)
         UPDATE jobs SET state = 'running', owner = $5, lease_until = $6
           FROM due WHERE jobs.media_id = due.media_id
           RETURNING jobs.media_id, jobs.attempt, jobs.run_at, due.host_key`,
        [
          request.now,
          request.excludeHosts,
          request.excludeIds,
          request.limit,
          this.owner,
          request.now + this.#leaseMs,
        ],
      );
      if (rows.length > 0) {
        await client.query(
          "UPDATE media SET status = 'downloading', attempts = attempts + 1, updated_at = $1 WHERE id = ANY($2::text[])",
          [request.now, rows.map((row) => row.media_id)],
        );
      }
      return rows;
    });
  }

  async renewClaims(ids: readonly string[], now: number): Promise<void> {
    await this.#pool.query(
      'UPDATE jobs SET lease_until = $1 WHERE owner = $2 AND media_id = ANY($3::text[])',
      [now + this.#leaseMs, this.owner, ids],
    );
  }

  async nextJobAt(): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ at: number | null }>(
      `SELECT MIN(CASE WHEN state = 'pending' THEN run_at ELSE lease_until END) AS at FROM jobs`,
    );
    return rows[0]?.at ?? undefined;
  }

  async releaseJob(id: string, now: number): Promise<void> {
    await this.#transaction(async (client) => {
      const { rowCount } = await client.query(
        "UPDATE jobs SET state = 'pending', owner = NULL, lease_until = NULL WHERE media_id = $1 AND owner = $2",
        [id, this.owner],
      );
      if (rowCount === 0) return;
      await client.query(
        "UPDATE media SET status = 'pending', attempts = GREATEST(attempts - 1, 0), updated_at = $1 WHERE id = $2 AND status = 'downloading'",
        [now, id],
      );
      await client.query('SELECT pg_notify($1, $2)', [channel, 'jobs']);
    });
  }

  async scheduleRetry(
    id: string,
    attempt: number,
    runAt: number,
    failure: RecordedFailure,
  ): Promise<void> {
    await this.#transaction(async (client) => {
      const { rowCount } = await client.query(
        `UPDATE jobs SET state = 'pending', run_at = $1, attempt = $2, owner = NULL, lease_until = NULL
           WHERE media_id = $3 AND owner = $4`,
        [runAt, attempt, id, this.owner],
      );
      if (rowCount === 0) return;
      await client.query(
        `UPDATE media SET status = 'pending', error_kind = $1, error_code = $2, error_title = $3,
             error_details = $4, updated_at = $5 WHERE id = $6`,
        [failure.kind, failure.code, failure.title, failure.details, Date.now(), id],
      );
      await bump(client, 'attempt-failures');
    });
  }

  async completeDownloaded(
    id: string,
    size: number,
    now: number,
    event?: NewOutboxEvent,
    message?: Uint8Array,
  ): Promise<boolean> {
    return this.#transaction(async (client) => {
      if (!(await this.#takeJob(client, id))) {
        // Not ours any more: deleted (false: the blob must go) or taken over after our lease
        // expired (true: the blob is the same verified bytes, the new owner completes).
        return (await client.query('SELECT 1 FROM media WHERE id = $1', [id])).rowCount !== 0;
      }
      await client.query(
        `UPDATE media SET status = 'downloaded', size = $1, downloaded_at = $2, updated_at = $2,
             error_kind = NULL, error_code = NULL, error_title = NULL, error_details = NULL,
             message = COALESCE($4, message)
           WHERE id = $3`,
        [size, now, id, message === undefined ? null : Buffer.from(message)],
      );
      if (event !== undefined) await insertEvent(client, event, now);
      await bump(client, 'downloaded');
      return true;
    });
  }

  async completeFailed(
    id: string,
    failure: RecordedFailure,
    now: number,
    event?: NewOutboxEvent,
  ): Promise<void> {
    await this.#transaction(async (client) => {
      if (!(await this.#takeJob(client, id))) return;
      await client.query(
        `UPDATE media SET status = 'failed', error_kind = $1, error_code = $2, error_title = $3,
             error_details = $4, updated_at = $5 WHERE id = $6`,
        [failure.kind, failure.code, failure.title, failure.details, now, id],
      );
      if (event !== undefined) await insertEvent(client, event, now);
      await bump(client, 'failed');
      await bump(client, 'attempt-failures');
    });
  }

  async insertEvent(event: NewOutboxEvent, now: number): Promise<void> {
    await this.#transaction((client) => insertEvent(client, event, now));
  }

  /** Claims due events for this node (one delivery at a time per event across nodes). */
  async dueEvents(now: number, limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.#pool.query<OutboxRow>(
      `WITH due AS (
         SELECT seq FROM outbox
           WHERE state = 'pending' AND next_attempt_at <= $1
             AND (lease_until IS NULL OR lease_until < $1)
           ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE outbox SET owner = $3, lease_until = $4 FROM due WHERE outbox.seq = due.seq
         RETURNING outbox.seq, event_id, media_id, kind, body, attempts, next_attempt_at`,
      [now, limit, this.owner, now + this.#leaseMs],
    );
    return rows.sort((a, b) => a.seq - b.seq);
  }

  async nextEventAt(): Promise<number | undefined> {
    const { rows } = await this.#pool.query<{ at: number | null }>(
      `SELECT MIN(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) AS at FROM outbox
         WHERE state = 'pending'`,
    );
    return rows[0]?.at ?? undefined;
  }

  async markEventDelivered(seq: number, now: number): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(
        `UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = $1,
             last_error = NULL, owner = NULL, lease_until = NULL WHERE seq = $2`,
        [now, seq],
      );
      await bump(client, 'webhooks-delivered');
    });
  }

  async markEventFailed(
    seq: number,
    nextAttemptAt: number | undefined,
    error: string,
  ): Promise<void> {
    await this.#transaction(async (client) => {
      if (nextAttemptAt === undefined) {
        await client.query(
          `UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = $1,
               owner = NULL, lease_until = NULL WHERE seq = $2`,
          [error, seq],
        );
        await bump(client, 'webhooks-dead');
      } else {
        await client.query(
          `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
               owner = NULL, lease_until = NULL WHERE seq = $3`,
          [nextAttemptAt, error, seq],
        );
      }
    });
  }

  async stats(now: number): Promise<StoreStats> {
    const [media, jobs, due, outbox, counters] = await Promise.all([
      this.#pool.query('SELECT status AS key, COUNT(*)::int AS n FROM media GROUP BY status'),
      this.#pool.query('SELECT state AS key, COUNT(*)::int AS n FROM jobs GROUP BY state'),
      this.#pool.query(
        "SELECT COUNT(*)::int AS n FROM jobs WHERE state = 'pending' AND run_at <= $1",
        [now],
      ),
      this.#pool.query('SELECT state AS key, COUNT(*)::int AS n FROM outbox GROUP BY state'),
      this.#pool.query('SELECT name AS key, value AS n FROM counters'),
    ]);
    const tally = <K extends string>(rows: { key: K; n: number }[], zero: Record<K, number>) => {
      for (const row of rows) zero[row.key] = row.n;
      return zero;
    };
    return {
      media: tally(media.rows, { pending: 0, downloading: 0, downloaded: 0, failed: 0 }),
      jobs: {
        ...tally(jobs.rows, { pending: 0, running: 0 }),
        due: (due.rows[0] as { n: number } | undefined)?.n ?? 0,
      },
      outbox: tally(outbox.rows, { pending: 0, delivered: 0, dead: 0 }),
      counters: tally(counters.rows, zeroCounters()),
    };
  }

  // Deletes this worker's job of `id`. @returns false when it is not (or no longer) ours
  async #takeJob(client: Queryable, id: string): Promise<boolean> {
    const { rowCount } = await client.query('DELETE FROM jobs WHERE media_id = $1 AND owner = $2', [
      id,
      this.owner,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async #transaction<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // A connection that drops while checked out emits 'error' on the client: the pool listens
    // only to idle ones, and an unheard 'error' would end the process.
    const onDrop = (error: Error): void => {
      broken = error;
    };
    client.on('error', onDrop);
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        // The connection itself failed (a server restart): do not return it to the pool.
        broken = rollback instanceof Error ? rollback : new Error('rollback failed');
      });
      throw error;
    } finally {
      client.off('error', onDrop);
      client.release(broken);
    }
  }
}
