// The SQLite MetadataStore (better-sqlite3): records, the job queue, the webhook outbox and
// counters in one file, for a store that runs as one process on one machine.
import Database from 'better-sqlite3';
import type {
  ClaimRequest,
  CounterName,
  JobRow,
  MediaRow,
  MediaStatus,
  MetadataStore,
  NewMedia,
  NewOutboxEvent,
  OutboxRow,
  PageCursor,
  RecordedFailure,
  StoreStats,
} from '../ports/metadata-store.js';
import { takeUntilUnder } from './quota.js';
import { newMediaValues, zeroCounters } from './shared-rows.js';

// One job per media (PRIMARY KEY media_id): re-enqueueing is an upsert, so a crash between
// two steps can never leave duplicate work. Completion (record, job, outbox) commits in one
// transaction.
const schema = `
CREATE TABLE IF NOT EXISTS media (
  id TEXT PRIMARY KEY,
  chat_jid TEXT NOT NULL,
  msg_id TEXT NOT NULL,
  is_from_me INTEGER NOT NULL,
  participant TEXT,
  type TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  file_sha256 BLOB NOT NULL,
  file_length INTEGER,
  host_key TEXT NOT NULL,
  message BLOB NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  size INTEGER,
  error_kind TEXT,
  error_code INTEGER,
  error_title TEXT,
  error_details TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  downloaded_at INTEGER,
  UNIQUE (chat_jid, msg_id)
);
CREATE TABLE IF NOT EXISTS jobs (
  media_id TEXT PRIMARY KEY REFERENCES media(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  run_at INTEGER NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at);
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL UNIQUE,
  media_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/**
 * The store's SQLite file: media records, the download job queue, the webhook outbox and
 * counters (a {@link MetadataStore}). WAL mode: every commit survives a process kill; registrations, retries and
 * deletes are fsynced before they are acknowledged, so they survive a power cut too. Every
 * method runs synchronously (better-sqlite3) behind the port's promises.
 */
export class SqliteMetadataStore implements MetadataStore {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;

  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives any process crash; only acknowledged writes (register,
    // requeue, delete) are also fsynced at commit (see #durably), so a power loss can at most
    // repeat internal progress (a download, a webhook), never lose what a caller was told.
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(schema);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Jobs that were running when the process died go back to pending. @returns how many */
  async recoverInterruptedJobs(now: number): Promise<number> {
    return this.#db.transaction(() => {
      this.#prepare(
        "UPDATE media SET status = 'pending', updated_at = ? WHERE status = 'downloading'",
      ).run(now);
      return this.#prepare(
        "UPDATE jobs SET state = 'pending', run_at = ? WHERE state = 'running'",
      ).run(now).changes;
    })();
  }

  async findByMessageKey(chatJid: string, msgId: string): Promise<MediaRow | undefined> {
    return this.#prepare('SELECT * FROM media WHERE chat_jid = ? AND msg_id = ?').get(
      chatJid,
      msgId,
    ) as MediaRow | undefined;
  }

  async get(id: string): Promise<MediaRow | undefined> {
    return this.#prepare('SELECT * FROM media WHERE id = ?').get(id) as MediaRow | undefined;
  }

  async listPage(after: PageCursor | undefined, limit: number): Promise<MediaRow[]> {
    if (after === undefined) {
      return this.#prepare('SELECT * FROM media ORDER BY created_at, id LIMIT ?').all(
        limit,
      ) as MediaRow[];
    }
    return this.#prepare(
      `SELECT * FROM media WHERE created_at > ? OR (created_at = ? AND id > ?)
         ORDER BY created_at, id LIMIT ?`,
    ).all(after.createdAt, after.createdAt, after.id, limit) as MediaRow[];
  }

  async ping(): Promise<void> {
    this.#prepare('SELECT 1').get();
  }

  async createdBefore(createdBefore: number, limit: number): Promise<string[]> {
    const rows = this.#prepare(
      `SELECT id FROM media WHERE created_at < ? AND status IN ('downloaded', 'failed')
         ORDER BY created_at, id LIMIT ?`,
    ).all(createdBefore, limit) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async overQuota(maxBytes: number, limit: number): Promise<string[]> {
    const { total } = this.#prepare(
      "SELECT COALESCE(SUM(size), 0) AS total FROM media WHERE status = 'downloaded'",
    ).get() as { total: number };
    if (total <= maxBytes) return [];
    const oldest = this.#prepare(
      `SELECT id, size FROM media WHERE status = 'downloaded'
         ORDER BY downloaded_at, id LIMIT ?`,
    ).all(limit) as { id: string; size: number | null }[];
    return takeUntilUnder(oldest, total - maxBytes);
  }

  async evict(id: string, now: number, event?: NewOutboxEvent): Promise<boolean> {
    return this.#durably(() => {
      if (this.#prepare('DELETE FROM media WHERE id = ?').run(id).changes === 0) return false;
      if (event !== undefined) this.#insertEvent(event, now);
      this.#bump('evicted');
      return true;
    });
  }

  async list(): Promise<MediaRow[]> {
    return this.#prepare('SELECT * FROM media ORDER BY created_at, id').all() as MediaRow[];
  }

  async ids(): Promise<Set<string>> {
    const rows = this.#prepare('SELECT id FROM media').all() as { id: string }[];
    return new Set(rows.map((row) => row.id));
  }

  /** Inserts the record and its first job in one transaction (fsynced). */
  async insertWithJob(media: NewMedia, now: number): Promise<void> {
    this.#durably(() => {
      this.#prepare(
        `INSERT INTO media (id, chat_jid, msg_id, is_from_me, participant, type, mime_type,
             file_sha256, file_length, host_key, message, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
      ).run(...newMediaValues(media, now), now);
      this.#prepare(
        "INSERT INTO jobs (media_id, state, run_at, attempt) VALUES (?, 'pending', ?, 0)",
      ).run(media.id, now);
    });
  }

  /**
   * Queues a fresh download due now (fsynced). A job waiting out its backoff is moved to now
   * with a fresh attempt budget: the caller asked for it, so it must not wait minutes. A job
   * running now is left alone.
   */
  async requeue(id: string, now: number): Promise<void> {
    this.#durably(() => {
      this.#prepare(
        `UPDATE media SET status = CASE WHEN status = 'downloading' THEN status ELSE 'pending' END,
             error_kind = NULL, error_code = NULL, error_title = NULL, error_details = NULL,
             updated_at = ? WHERE id = ?`,
      ).run(now, id);
      this.#upsertDueJob(id, now);
      this.#bump('retried');
    });
  }

  /**
   * A downloaded record whose file is gone (or damaged): back to pending with a job due now,
   * and the reason on the record so status shows what happened (fsynced).
   * @returns false when the record is no longer `downloaded` (someone else handled it)
   */
  async requeueLostFile(id: string, now: number, failure: RecordedFailure): Promise<boolean> {
    return this.#durably(() => {
      const changed = this.#prepare(
        `UPDATE media SET status = 'pending', size = NULL, downloaded_at = NULL, error_kind = ?,
             error_code = ?, error_title = ?, error_details = ?, updated_at = ?
           WHERE id = ? AND status = 'downloaded'`,
      ).run(failure.kind, failure.code, failure.title, failure.details, now, id).changes;
      if (changed === 0) return false;
      this.#upsertDueJob(id, now);
      this.#bump('lost-files');
      return true;
    });
  }

  /** Ids of the records that say `downloaded`. */
  async downloadedIds(): Promise<string[]> {
    const rows = this.#prepare("SELECT id FROM media WHERE status = 'downloaded'").all() as {
      id: string;
    }[];
    return rows.map((row) => row.id);
  }

  /**
   * Due pending jobs, oldest first, skipping the hosts in `excludeHosts` (those at their limit
   * or pausing), each marked running with its record `downloading` in one transaction: the
   * jobs returned can all start now, however many wait for a busy host.
   */
  async claimDueJobs(request: ClaimRequest): Promise<JobRow[]> {
    return this.#db.transaction(() => {
      const jobs = this.#prepare(
        `SELECT jobs.media_id, jobs.attempt, jobs.run_at, media.host_key FROM jobs
           JOIN media ON media.id = jobs.media_id
           WHERE jobs.state = 'pending' AND jobs.run_at <= ?
             AND media.host_key NOT IN (SELECT value FROM json_each(?))
             AND jobs.media_id NOT IN (SELECT value FROM json_each(?))
           ORDER BY jobs.run_at, jobs.media_id LIMIT ?`,
      ).all(
        request.now,
        JSON.stringify(request.excludeHosts),
        JSON.stringify(request.excludeIds),
        request.limit,
      ) as JobRow[];
      for (const job of jobs) {
        this.#prepare("UPDATE jobs SET state = 'running' WHERE media_id = ?").run(job.media_id);
        this.#prepare(
          "UPDATE media SET status = 'downloading', attempts = attempts + 1, updated_at = ? WHERE id = ?",
        ).run(request.now, job.media_id);
      }
      return jobs;
    })();
  }

  // One process owns the queue (the data-dir lock): its claims cannot expire.
  async renewClaims(): Promise<void> {}

  // No other worker shares this file.
  onWork(): () => void {
    return () => undefined;
  }

  /** When the next pending job becomes due, if any. */
  async nextJobAt(): Promise<number | undefined> {
    const row = this.#prepare(
      "SELECT MIN(run_at) AS at FROM jobs WHERE state = 'pending'",
    ).get() as { at: number | null };
    return row.at ?? undefined;
  }

  /** Puts a running job back (store closing): not an attempt. */
  async releaseJob(id: string, now: number): Promise<void> {
    this.#db.transaction(() => {
      this.#prepare("UPDATE jobs SET state = 'pending' WHERE media_id = ?").run(id);
      this.#prepare(
        "UPDATE media SET status = 'pending', attempts = MAX(attempts - 1, 0), updated_at = ? WHERE id = ? AND status = 'downloading'",
      ).run(now, id);
    })();
  }

  /** A failed attempt that will be retried at `runAt`. */
  async scheduleRetry(
    id: string,
    attempt: number,
    runAt: number,
    failure: RecordedFailure,
  ): Promise<void> {
    this.#db.transaction(() => {
      this.#prepare(
        "UPDATE jobs SET state = 'pending', run_at = ?, attempt = ? WHERE media_id = ?",
      ).run(runAt, attempt, id);
      this.#prepare(
        `UPDATE media SET status = 'pending', error_kind = ?, error_code = ?, error_title = ?,
             error_details = ?, updated_at = ? WHERE id = ?`,
      ).run(failure.kind, failure.code, failure.title, failure.details, Date.now(), id);
      this.#bump('attempt-failures');
    })();
  }

  /** Success: the record says downloaded, the job goes, the webhook is queued, atomically. */
  async completeDownloaded(
    id: string,
    size: number,
    now: number,
    event?: NewOutboxEvent,
    message?: Uint8Array,
  ): Promise<boolean> {
    return this.#db.transaction(() => {
      const changed = this.#prepare(
        `UPDATE media SET status = 'downloaded', size = ?, downloaded_at = ?, updated_at = ?,
             error_kind = NULL, error_code = NULL, error_title = NULL, error_details = NULL,
             message = COALESCE(?, message)
           WHERE id = ?`,
      ).run(size, now, now, message === undefined ? null : Buffer.from(message), id).changes;
      if (changed === 0) return false;
      this.#prepare('DELETE FROM jobs WHERE media_id = ?').run(id);
      if (event !== undefined) this.#insertEvent(event, now);
      this.#bump('downloaded');
      return true;
    })();
  }

  /** Final failure: the record says failed, the job goes, the webhook is queued, atomically. */
  async completeFailed(
    id: string,
    failure: RecordedFailure,
    now: number,
    event?: NewOutboxEvent,
  ): Promise<void> {
    this.#db.transaction(() => {
      const changed = this.#prepare(
        `UPDATE media SET status = 'failed', error_kind = ?, error_code = ?, error_title = ?,
             error_details = ?, updated_at = ? WHERE id = ?`,
      ).run(failure.kind, failure.code, failure.title, failure.details, now, id).changes;
      if (changed === 0) return;
      this.#prepare('DELETE FROM jobs WHERE media_id = ?').run(id);
      if (event !== undefined) this.#insertEvent(event, now);
      this.#bump('failed');
      this.#bump('attempt-failures');
    })();
  }

  /** A completion event for an already-downloaded record (retry of stored media). */
  async insertEvent(event: NewOutboxEvent, now: number): Promise<void> {
    this.#insertEvent(event, now);
  }

  /** Deletes a record and its job (fsynced). */
  async delete(id: string): Promise<boolean> {
    return this.#durably(() => this.#prepare('DELETE FROM media WHERE id = ?').run(id).changes > 0);
  }

  async dueEvents(now: number, limit: number): Promise<OutboxRow[]> {
    return this.#prepare(
      `SELECT seq, event_id, media_id, kind, body, attempts, next_attempt_at FROM outbox
         WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY seq LIMIT ?`,
    ).all(now, limit) as OutboxRow[];
  }

  async nextEventAt(): Promise<number | undefined> {
    const row = this.#prepare(
      "SELECT MIN(next_attempt_at) AS at FROM outbox WHERE state = 'pending'",
    ).get() as { at: number | null };
    return row.at ?? undefined;
  }

  async markEventDelivered(seq: number, now: number): Promise<void> {
    this.#db.transaction(() => {
      this.#prepare(
        "UPDATE outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE seq = ?",
      ).run(now, seq);
      this.#bump('webhooks-delivered');
    })();
  }

  async markEventFailed(
    seq: number,
    nextAttemptAt: number | undefined,
    error: string,
  ): Promise<void> {
    this.#db.transaction(() => {
      if (nextAttemptAt === undefined) {
        this.#prepare(
          "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE seq = ?",
        ).run(error, seq);
        this.#bump('webhooks-dead');
      } else {
        this.#prepare(
          'UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?',
        ).run(nextAttemptAt, error, seq);
      }
    })();
  }

  /** Counts for `status()`. */
  async stats(now: number): Promise<StoreStats> {
    const media: Record<MediaStatus, number> = {
      pending: 0,
      downloading: 0,
      downloaded: 0,
      failed: 0,
    };
    for (const row of this.#prepare(
      'SELECT status, COUNT(*) AS n FROM media GROUP BY status',
    ).all() as { status: MediaStatus; n: number }[]) {
      media[row.status] = row.n;
    }
    const jobs = { pending: 0, running: 0, due: 0 };
    for (const row of this.#prepare(
      'SELECT state, COUNT(*) AS n FROM jobs GROUP BY state',
    ).all() as { state: 'pending' | 'running'; n: number }[]) {
      jobs[row.state] = row.n;
    }
    jobs.due = (
      this.#prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'pending' AND run_at <= ?").get(
        now,
      ) as { n: number }
    ).n;
    const outbox = { pending: 0, delivered: 0, dead: 0 };
    for (const row of this.#prepare(
      'SELECT state, COUNT(*) AS n FROM outbox GROUP BY state',
    ).all() as { state: 'pending' | 'delivered' | 'dead'; n: number }[]) {
      outbox[row.state] = row.n;
    }
    const counters = zeroCounters();
    for (const row of this.#prepare('SELECT name, value FROM counters').all() as {
      name: CounterName;
      value: number;
    }[]) {
      counters[row.name] = row.value;
    }
    return { media, jobs, outbox, counters };
  }

  #upsertDueJob(id: string, now: number): void {
    this.#prepare(
      `INSERT INTO jobs (media_id, state, run_at, attempt) VALUES (?, 'pending', ?, 0)
         ON CONFLICT (media_id) DO UPDATE SET run_at = MIN(jobs.run_at, excluded.run_at), attempt = 0
         WHERE jobs.state = 'pending'`,
    ).run(id, now);
  }

  #insertEvent(event: NewOutboxEvent, now: number): void {
    this.#prepare(
      `INSERT INTO outbox (event_id, media_id, kind, body, state, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    ).run(event.eventId, event.mediaId, event.kind, event.body, now, now);
  }

  // One transaction committed with a full fsync (in WAL mode this also makes every earlier
  // commit durable).
  #durably<T>(body: () => T): T {
    this.#db.pragma('synchronous = FULL');
    try {
      return this.#db.transaction(body)();
    } finally {
      this.#db.pragma('synchronous = NORMAL');
    }
  }

  readonly #statements = new Map<string, Database.Statement>();

  // Statements are compiled once and reused: the queue runs the same few queries constantly.
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #bump(name: CounterName): void {
    this.#prepare(
      'INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1',
    ).run(name);
  }
}
