// The metadata port: what the store needs from its database (records, the download job queue,
// the webhook outbox, counters). SQLite implements it for one machine; PostgreSQL for many.

/** A media record's lifecycle. `downloading` only while a job runs. */
export type MediaStatus = 'pending' | 'downloading' | 'downloaded' | 'failed';

/** A media record, as the store uses it. */
export interface MediaRow {
  id: string;
  chat_jid: string;
  msg_id: string;
  is_from_me: number;
  participant: string | null;
  type: string;
  mime_type: string;
  file_sha256: Buffer;
  file_length: number | null;
  host_key: string;
  message: Buffer;
  status: MediaStatus;
  attempts: number;
  size: number | null;
  error_kind: string | null;
  error_code: number | null;
  error_title: string | null;
  error_details: string | null;
  created_at: number;
  updated_at: number;
  downloaded_at: number | null;
}

/** A claimed download job joined with what running it needs. */
export interface JobRow {
  media_id: string;
  /** Failed attempts so far (this run is attempt + 1). */
  attempt: number;
  run_at: number;
  host_key: string;
}

/** A webhook event waiting in the outbox. */
export interface OutboxRow {
  seq: number;
  event_id: string;
  media_id: string;
  kind: string;
  body: string;
  attempts: number;
  next_attempt_at: number;
}

/** Outcome counters kept across restarts. */
export type CounterName =
  | 'downloaded'
  | 'failed'
  | 'retried'
  | 'attempt-failures'
  | 'webhooks-delivered'
  | 'webhooks-dead'
  | 'lost-files'
  | 'evicted';

/** Fields of a new media record. */
export interface NewMedia {
  id: string;
  chatJid: string;
  msgId: string;
  isFromMe: boolean;
  participant: string | undefined;
  type: string;
  mimeType: string;
  fileSha256: Uint8Array;
  fileLength: number | undefined;
  hostKey: string;
  message: Uint8Array;
}

/** A failure as recorded on the media row and sent in the webhook. */
export interface RecordedFailure {
  kind: string;
  code: number;
  title: string;
  details: string;
}

/** A webhook event to put in the outbox. */
export interface NewOutboxEvent {
  eventId: string;
  mediaId: string;
  kind: 'downloaded' | 'failed' | 'evicted';
  body: string;
}

/** Counts for `status()`. */
export interface StoreStats {
  media: Record<MediaStatus, number>;
  jobs: { pending: number; running: number; due: number };
  outbox: { pending: number; delivered: number; dead: number };
  counters: Record<CounterName, number>;
}

/** What to claim: due jobs, skipping busy hosts and jobs this process still holds. */
export interface ClaimRequest {
  now: number;
  limit: number;
  /** Hosts at their limit or pausing after a failure. */
  excludeHosts: readonly string[];
  /** Jobs this worker is still settling. */
  excludeIds: readonly string[];
}

/** Where a page of records starts: after this record (records are ordered by creation). */
export interface PageCursor {
  createdAt: number;
  id: string;
}

/** Why a record was evicted. */
export type EvictionReason = 'retention' | 'quota';

/**
 * The store's database. Every method is one atomic step; the job methods act only on jobs this
 * worker claimed (a backend shared by many workers fences them by lease owner).
 */
export interface MetadataStore {
  /** Which backend this is (for logs and metrics). */
  readonly kind: 'sqlite' | 'postgres';
  /** On start: jobs left running by a dead process become claimable. @returns how many */
  recoverInterruptedJobs(now: number): Promise<number>;
  findByMessageKey(chatJid: string, msgId: string): Promise<MediaRow | undefined>;
  get(id: string): Promise<MediaRow | undefined>;
  /** Every record, oldest first. */
  list(): Promise<MediaRow[]>;
  /** Up to `limit` records after `after` (oldest first). */
  listPage(after: PageCursor | undefined, limit: number): Promise<MediaRow[]>;
  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
  /** Up to `limit` settled (downloaded or failed) records created before `createdBefore`. */
  createdBefore(createdBefore: number, limit: number): Promise<string[]>;
  /** The oldest downloaded records whose removal brings the stored bytes to `maxBytes`. */
  overQuota(maxBytes: number, limit: number): Promise<string[]>;
  /** Deletes a record and queues its eviction webhook atomically. @returns false if gone */
  evict(id: string, now: number, event?: NewOutboxEvent): Promise<boolean>;
  /** Ids of every record (orphan sweeps). */
  ids(): Promise<Set<string>>;
  /** Ids of the records that say `downloaded`. */
  downloadedIds(): Promise<string[]>;
  /** Inserts the record and its first job atomically (durable before it returns). */
  insertWithJob(media: NewMedia, now: number): Promise<void>;
  /** A fresh download due now (a running job is left alone). */
  requeue(id: string, now: number): Promise<void>;
  /** A downloaded record whose file is gone: pending again. @returns false if not downloaded */
  requeueLostFile(id: string, now: number, failure: RecordedFailure): Promise<boolean>;
  /** Deletes a record and its job. @returns false for an unknown id */
  delete(id: string): Promise<boolean>;
  /** Claims due jobs for this worker: each becomes running and its record `downloading`. */
  claimDueJobs(request: ClaimRequest): Promise<JobRow[]>;
  /** Keeps this worker's claims alive (a no-op where one process owns the queue). */
  renewClaims(ids: readonly string[], now: number): Promise<void>;
  /** When the next pending job becomes due, if any. */
  nextJobAt(): Promise<number | undefined>;
  /** Puts a claimed job back (store closing): not an attempt. */
  releaseJob(id: string, now: number): Promise<void>;
  /** A failed attempt that will be retried at `runAt`. */
  scheduleRetry(
    id: string,
    attempt: number,
    runAt: number,
    failure: RecordedFailure,
  ): Promise<void>;
  /**
   * Success: record downloaded, job gone, webhook queued, atomically; `message` (the encoded
   * message with the new path a media reupload gave) replaces the stored one. @returns false if gone
   */
  completeDownloaded(
    id: string,
    size: number,
    now: number,
    event?: NewOutboxEvent,
    message?: Uint8Array,
  ): Promise<boolean>;
  /** Final failure: record failed, job gone, webhook queued, atomically. */
  completeFailed(
    id: string,
    failure: RecordedFailure,
    now: number,
    event?: NewOutboxEvent,
  ): Promise<void>;
  /** Queues a webhook event on its own. */
  insertEvent(event: NewOutboxEvent, now: number): Promise<void>;
  dueEvents(now: number, limit: number): Promise<OutboxRow[]>;
  nextEventAt(): Promise<number | undefined>;
  markEventDelivered(seq: number, now: number): Promise<void>;
  markEventFailed(seq: number, nextAttemptAt: number | undefined, error: string): Promise<void>;
  stats(now: number): Promise<StoreStats>;
  /**
   * Calls `listener` when another worker queued work (`jobs` or `events`); a backend without
   * other workers never calls it. @returns unsubscribe
   */
  onWork(listener: (what: 'jobs' | 'events') => void): () => void;
  close(): Promise<void>;
}
