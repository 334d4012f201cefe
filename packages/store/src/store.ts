import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { decodeMessage, encodeMessage, type Message, tryParseJid } from '@wa-media/protocol';
import { type ApiError, STORE_ERROR_CODES, STORE_ERROR_TITLES, webhookBody } from './api-shapes.js';
import {
  classifyDownloadFailure,
  type DownloadFailureKind,
  type ReuploadInfo,
  type StoreMediaClient,
} from './client-port.js';
import { lockDataDir } from './db/data-dir-lock.js';
import {
  type JobRow,
  type MediaRow,
  type MediaStatus,
  type NewOutboxEvent,
  StoreDatabase,
} from './db/store-database.js';
import {
  InvalidMediaInputError,
  MediaNotFoundError,
  MediaNotReadyError,
  MediaStoreError,
} from './errors.js';
import { type ApiServer, type ListenOptions, startApiServer } from './http/api-server.js';
import {
  fileSize,
  hashFile,
  removeFile,
  removeOrphans,
  syncFileAndDir,
} from './media/blob-files.js';
import { describeMediaMessage } from './media/describe-message.js';
import { type MediaRecord, recordFromRow } from './media/media-record.js';
import { backoffDelay } from './queue/backoff.js';
import { DownloadQueue, type JobOutcome } from './queue/download-queue.js';
import {
  describeFailure,
  FINAL_FAILURE_KINDS,
  type StoreFailureKind,
} from './queue/failure-policy.js';
import { WebhookDispatcher, type WebhookOptions } from './webhooks/webhook-dispatcher.js';

/** Retry policy of downloads. */
export interface RetryOptions {
  /** Attempts per download before the record fails (final kinds fail at once). @default 5 */
  maxAttempts?: number;
  /** Delay before the first retry; doubles per attempt, with jitter. @default 1000 */
  baseDelayMs?: number;
  /** Longest delay between attempts. @default 300000 (5 minutes) */
  maxDelayMs?: number;
}

/** A background problem the store handled (a failed database write, …), for logging. */
export interface StoreErrorEvent {
  /** Where it happened: `download`, `webhook` or `queue`. */
  context: 'download' | 'webhook' | 'queue';
  error: unknown;
}

/** Options of {@link createMediaStore}. */
export interface MediaStoreOptions {
  /**
   * Downloads media: `createMediaClient()` of `@wa-media/client` (give it `signaling` so expired
   * media is re-requested from the sender's phone), or any {@link StoreMediaClient}.
   */
  client: StoreMediaClient;
  /** Directory of the SQLite file (`store.db`) and the blobs (`blobs/`). Created if missing. */
  dataDir: string;
  /** Completion webhooks; without it no events are queued. */
  webhook?: WebhookOptions;
  /** Downloads running at once. @default 4 */
  concurrency?: number;
  /**
   * Downloads running at once against one CDN host (the host of the message's `url`; real
   * WhatsApp messages all name mmg.whatsapp.net, so for them this is the effective limit).
   * @default 4
   */
  perHostConcurrency?: number;
  /** Pause before the next start against a host after an attempt there failed. @default 250 */
  hostDelayMs?: number;
  /** Download retries. */
  retry?: RetryOptions;
  /** Overrides how a client error is classified. @default classifyDownloadFailure */
  classifyError?: (error: unknown) => DownloadFailureKind;
  /**
   * On close(), how long to wait for running downloads to stop after aborting them. Work that
   * has not stopped by then resumes on the next start. @default 5000
   */
  shutdownGraceMs?: number;
  /** Called for background problems (never with secrets). @default ignore */
  onError?: (event: StoreErrorEvent) => void;
}

/** Where and for whom a media message was received. */
export type RegisterInfo = ReuploadInfo;

/** Queue depth and outcome counters (`GET /v1/status`). */
export interface StoreStatus {
  /** Records by status. */
  media: Record<MediaStatus, number>;
  queue: {
    /** Jobs waiting (due now or scheduled for a retry). */
    pending: number;
    /** Jobs waiting whose time has come. */
    due: number;
    /** Jobs running now. */
    running: number;
  };
  webhooks: { pending: number; delivered: number; dead: number };
  /** Totals since the store's data directory was created. */
  outcomes: {
    downloaded: number;
    failed: number;
    retried: number;
    attemptFailures: number;
    webhooksDelivered: number;
    webhooksDead: number;
    /** Downloaded records found without their file and queued again (see `open`). */
    lostFiles: number;
  };
}

/** A durable store of inbound media. Create it with {@link createMediaStore}. */
export interface MediaStore {
  /**
   * Records a received media message and starts downloading it. Idempotent: the same
   * (chatJid, msgId) returns the same id.
   * @throws {InvalidMediaInputError} no downloadable media, or malformed `info`.
   * @throws {MediaStoreError} `conflict` when (chatJid, msgId) was registered with other media;
   * `closed` after close().
   */
  register(message: Message, info: RegisterInfo): Promise<{ id: string; created: boolean }>;
  /**
   * Asks to store the media again (the WhatsApp Business API's `GET /v1/media/{id}/download`): a failed record,
   * or a pending one waiting out its backoff, gets a download due now with a fresh attempt
   * budget (one already running is left to finish); a downloaded one has its completion webhook
   * sent again — or, if its file is missing or damaged, is downloaded again.
   * @throws {MediaNotFoundError} unknown id.
   * @throws {MediaStoreError} `closed` after close().
   */
  retryDownload(id: string): Promise<{ id: string }>;
  /** The record, or undefined for an unknown id. */
  get(id: string): MediaRecord | undefined;
  /** Every record, oldest first. */
  list(): MediaRecord[];
  /**
   * The stored (verified) bytes.
   * @throws {MediaNotFoundError} unknown id.
   * @throws {MediaNotReadyError} not downloaded (yet). A record that said downloaded but whose
   * file is gone is queued for download again by this call (`reason` says so; the record goes
   * back to `pending` with error kind `missing-file`, and `status().outcomes.lostFiles` counts it).
   */
  open(id: string): Promise<ReadableStream<Uint8Array>>;
  /** Deletes the record, its queued work and its file. @returns false for an unknown id */
  delete(id: string): Promise<boolean>;
  /** Queue depth and counters. */
  status(): StoreStatus;
  /**
   * Serves the HTTP API (see README) on `host:port`.
   * @throws {InvalidMediaInputError} a token shorter than 16 characters.
   * @throws {Error} the listen error (e.g. `EADDRINUSE`).
   */
  listen(options: ListenOptions): Promise<ApiServer>;
  /**
   * Stops downloads (they resume on the next start), webhooks and servers, then closes the
   * database. Idempotent.
   */
  close(): Promise<void>;
}

const lostFileReason = 'the stored file was missing or damaged; downloading it again';

// What a record shows while its lost file is fetched again.
const lostFileFailure = {
  kind: 'missing-file',
  code: STORE_ERROR_CODES.internalError,
  title: STORE_ERROR_TITLES[STORE_ERROR_CODES.internalError] ?? 'Internal error',
  details: 'The stored file was missing or damaged; downloading it again.',
} as const;

const databaseFile = 'store.db';
const blobDirName = 'blobs';
// Not `store.lock`: that name held a PID in earlier versions; such a file is now ignored.
const lockFile = 'store.lock.db';

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidMediaInputError(name, 'must be a positive integer');
  }
  return value;
}

function nonNegative(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidMediaInputError(name, 'must be a non-negative number');
  }
  return value;
}

// A chat or sender JID names a user (or group) at a server; a bare server is not one.
function isChatJid(value: unknown): boolean {
  return typeof value === 'string' && (tryParseJid(value)?.user ?? '') !== '';
}

function checkInfo(info: RegisterInfo): RegisterInfo {
  if (info === null || typeof info !== 'object') {
    throw new InvalidMediaInputError('info', 'must be { msgId, chatJid, isFromMe, participant? }');
  }
  if (typeof info.msgId !== 'string' || info.msgId === '' || info.msgId.length > 128) {
    throw new InvalidMediaInputError('info.msgId', 'must be a non-empty string (≤ 128 chars)');
  }
  if (!isChatJid(info.chatJid)) {
    throw new InvalidMediaInputError('info.chatJid', 'must be a JID');
  }
  if (typeof info.isFromMe !== 'boolean') {
    throw new InvalidMediaInputError('info.isFromMe', 'must be a boolean');
  }
  if (info.participant !== undefined && !isChatJid(info.participant)) {
    throw new InvalidMediaInputError('info.participant', 'must be a JID when given');
  }
  return info;
}

/** A 128-bit random id, base64url: unguessable, URL- and file-name-safe. */
function newMediaId(): string {
  return randomBytes(16).toString('base64url');
}

const mediaIdPattern = /^[A-Za-z0-9_-]{22}$/;

/** True for a string shaped like a media id (22 base64url characters). */
export function isMediaId(value: unknown): value is string {
  return typeof value === 'string' && mediaIdPattern.test(value);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/**
 * Opens (or creates) a media store in `dataDir`: SQLite for records, the job queue and the
 * webhook outbox, one file per verified blob. Work left pending by a previous process — even
 * one killed mid-download — resumes at once.
 *
 * @throws {InvalidMediaInputError} invalid options (the message names the option).
 * @throws {MediaStoreError} `locked` when another live store has `dataDir` open.
 * @throws {Error} when `dataDir` cannot be created or the database cannot be opened.
 * @example
 * ```ts
 * const store = await createMediaStore({
 *   client: createMediaClient({ signaling: fromBaileysSocket(sock) }),
 *   dataDir: './media-store',
 *   webhook: { url: 'https://example.com/hooks/media', secret: process.env.HOOK_SECRET! },
 * });
 * const { id } = await store.register(message, { msgId, chatJid, isFromMe: false });
 * ```
 */
export async function createMediaStore(options: MediaStoreOptions): Promise<MediaStore> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidMediaInputError('options', 'must be an object');
  }
  const { client } = options;
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof client.downloadToFile !== 'function'
  ) {
    throw new InvalidMediaInputError('options.client', 'must have a downloadToFile method');
  }
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new InvalidMediaInputError('options.dataDir', 'must be a directory path');
  }
  if (options.webhook !== undefined) {
    const { url, secret } = options.webhook;
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {}
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new InvalidMediaInputError('options.webhook.url', 'must be an http(s) URL');
    }
    if (typeof secret !== 'string' || secret.length < 16) {
      throw new InvalidMediaInputError('options.webhook.secret', 'must be at least 16 characters');
    }
  }
  const limits = {
    concurrency: positiveInteger(options.concurrency, 'options.concurrency', 4),
    perHostConcurrency: positiveInteger(
      options.perHostConcurrency,
      'options.perHostConcurrency',
      4,
    ),
    hostDelayMs: nonNegative(options.hostDelayMs, 'options.hostDelayMs', 250),
  };
  const retry = {
    maxAttempts: positiveInteger(options.retry?.maxAttempts, 'options.retry.maxAttempts', 5),
    baseDelayMs: nonNegative(options.retry?.baseDelayMs, 'options.retry.baseDelayMs', 1000),
    maxDelayMs: nonNegative(options.retry?.maxDelayMs, 'options.retry.maxDelayMs', 300_000),
  };
  const shutdownGraceMs = nonNegative(options.shutdownGraceMs, 'options.shutdownGraceMs', 5000);
  const classify = options.classifyError ?? classifyDownloadFailure;
  const report = (context: StoreErrorEvent['context']) => (error: unknown) => {
    try {
      options.onError?.({ context, error });
    } catch {}
  };

  const dataDir = resolve(options.dataDir);
  const blobDir = join(dataDir, blobDirName);
  await mkdir(blobDir, { recursive: true });
  const unlock = await lockDataDir(join(dataDir, lockFile));
  let db: StoreDatabase;
  try {
    db = new StoreDatabase(join(dataDir, databaseFile));
  } catch (error) {
    await unlock();
    throw error;
  }
  let dispatcher: WebhookDispatcher | undefined;
  try {
    db.recoverInterruptedJobs(Date.now());
    // Nothing runs yet, so every file that is not a record's blob is a leftover.
    await removeOrphans(blobDir, db.ids());
    // And a record that says downloaded but has no file (deleted by hand, a restored backup…)
    // is fetched again rather than answering "not ready" forever.
    const present = new Set(await readdir(blobDir));
    for (const id of db.downloadedIds()) {
      if (!present.has(id)) db.requeueLostFile(id, Date.now(), lostFileFailure);
    }
  } catch (error) {
    db.close();
    await unlock();
    throw error;
  }
  const servers = new Set<ApiServer>();
  let closed = false;

  const blobPath = (id: string): string => join(blobDir, id);

  const completionEvent = (row: MediaRow, failure?: ApiError): NewOutboxEvent | undefined => {
    if (options.webhook === undefined) return undefined;
    return {
      eventId: randomUUID(),
      mediaId: row.id,
      kind: failure === undefined ? 'downloaded' : 'failed',
      body: JSON.stringify(
        webhookBody(
          {
            id: row.id,
            type: row.type,
            mimeType: row.mime_type,
            sha256Hex: row.file_sha256.toString('hex'),
          },
          failure,
        ),
      ),
    };
  };

  const runJob = async (job: JobRow, signal: AbortSignal): Promise<JobOutcome> => {
    const row = db.get(job.media_id);
    if (row === undefined) return 'aborted';
    db.markRunning(row.id, Date.now());
    const target = blobPath(row.id);
    const attempt = job.attempt + 1;
    let kind: StoreFailureKind | undefined;
    let failureCause: unknown;
    try {
      // A blob renamed into place just before a crash is reused when it verifies.
      let digest = await hashFile(target);
      if (digest === undefined || !digest.equals(row.file_sha256)) {
        let message: Message;
        try {
          message = decodeMessage(row.message);
        } catch (error) {
          kind = 'unsupported';
          throw error;
        }
        const reupload: ReuploadInfo = {
          msgId: row.msg_id,
          chatJid: row.chat_jid,
          isFromMe: row.is_from_me === 1,
          ...(row.participant === null ? {} : { participant: row.participant }),
        };
        try {
          signal.throwIfAborted();
          await client.downloadToFile(message, target, { reupload, signal });
        } catch (error) {
          kind = signal.aborted ? 'aborted' : classify(error);
          throw error;
        }
        if (signal.aborted) {
          kind = 'aborted';
          throw signal.reason;
        }
        digest = await hashFile(target);
        // The client verified, but the record promises bytes that hash to fileSha256: check
        // what is actually on disk before saying so.
        if (digest === undefined || !digest.equals(row.file_sha256)) {
          await removeFile(target);
          kind = 'integrity';
          throw new Error('the stored file does not hash to fileSha256');
        }
      }
      kind = 'storage';
      await syncFileAndDir(target, blobDir);
      const size = (await fileSize(target)) ?? 0;
      const committed = db.completeDownloaded(row.id, size, Date.now(), completionEvent(row));
      // Deleted while downloading: the file must not outlive its record.
      if (!committed) await removeFile(target);
      else dispatcher?.wake();
      return 'succeeded';
    } catch (error) {
      failureCause = error;
      kind ??= 'unknown';
    }
    if (kind === 'aborted' || closed) {
      if (db.get(row.id) !== undefined) db.releaseJob(row.id, Date.now());
      return 'aborted';
    }
    if (db.get(row.id) === undefined) return 'aborted';
    const failure = describeFailure(kind, failureCause, attempt);
    if (FINAL_FAILURE_KINDS.has(kind) || attempt >= retry.maxAttempts) {
      db.completeFailed(
        row.id,
        failure,
        Date.now(),
        completionEvent(row, {
          code: failure.code,
          title: failure.title,
          details: failure.details,
        }),
      );
      dispatcher?.wake();
    } else {
      const delay = backoffDelay(attempt, retry.baseDelayMs, retry.maxDelayMs);
      db.scheduleRetry(row.id, attempt, Date.now() + delay, failure);
    }
    return 'failed';
  };

  const queue = new DownloadQueue(db, runJob, limits, report('queue'));
  if (options.webhook !== undefined) {
    dispatcher = new WebhookDispatcher(db, options.webhook, report('webhook'));
  }

  const ensureOpen = (): void => {
    if (closed) throw new MediaStoreError('closed', 'the media store is closed');
  };

  const store: MediaStore = {
    async register(message, info) {
      ensureOpen();
      const checked = checkInfo(info);
      if (message === null || typeof message !== 'object') {
        throw new InvalidMediaInputError('message', 'must be a proto Message');
      }
      const media = describeMediaMessage(message);
      const existing = db.findByMessageKey(checked.chatJid, checked.msgId);
      if (existing !== undefined) {
        if (!sameBytes(existing.file_sha256, media.fileSha256)) {
          throw new MediaStoreError(
            'conflict',
            `message ${checked.msgId} in ${checked.chatJid} was registered with other media`,
          );
        }
        return { id: existing.id, created: false };
      }
      let encoded: Uint8Array;
      try {
        encoded = encodeMessage(message);
      } catch (error) {
        throw new InvalidMediaInputError('message', 'cannot be encoded', { cause: error });
      }
      const id = newMediaId();
      try {
        db.insertWithJob(
          {
            id,
            chatJid: checked.chatJid,
            msgId: checked.msgId,
            isFromMe: checked.isFromMe,
            participant: checked.participant,
            type: media.type,
            mimeType: media.mimeType,
            fileSha256: media.fileSha256,
            fileLength: media.fileLength,
            hostKey: media.hostKey,
            message: encoded,
          },
          Date.now(),
        );
      } catch (error) {
        // Another process registered the same message between our read and write.
        const raced = db.findByMessageKey(checked.chatJid, checked.msgId);
        if (raced !== undefined) return { id: raced.id, created: false };
        throw error;
      }
      queue.wake();
      return { id, created: true };
    },

    async retryDownload(id) {
      ensureOpen();
      const row = isMediaId(id) ? db.get(id) : undefined;
      if (row === undefined) throw new MediaNotFoundError(String(id));
      if (row.status === 'downloaded') {
        if ((await hashFile(blobPath(id)))?.equals(row.file_sha256)) {
          const event = completionEvent(row);
          if (event !== undefined) {
            db.insertEvent(event, Date.now());
            dispatcher?.wake();
          }
          return { id };
        }
        // Its file is gone or damaged: fetch it again (the completion webhook follows).
        if (db.requeueLostFile(id, Date.now(), lostFileFailure)) {
          queue.wake();
          return { id };
        }
      }
      db.requeue(id, Date.now());
      queue.wake();
      return { id };
    },

    get(id) {
      ensureOpen();
      const row = isMediaId(id) ? db.get(id) : undefined;
      return row === undefined ? undefined : recordFromRow(row);
    },

    list() {
      ensureOpen();
      return db.list().map(recordFromRow);
    },

    async open(id) {
      ensureOpen();
      const row = isMediaId(id) ? db.get(id) : undefined;
      if (row === undefined) throw new MediaNotFoundError(String(id));
      if (row.status !== 'downloaded') throw new MediaNotReadyError(id, row.status);
      const stream = createReadStream(blobPath(id));
      // Open first, so a missing file is an error here rather than on the first read.
      await new Promise<void>((resolveOpen, rejectOpen) => {
        stream.once('open', () => resolveOpen());
        stream.once('error', rejectOpen);
      }).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && db.requeueLostFile(id, Date.now(), lostFileFailure)) {
          queue.wake();
          throw new MediaNotReadyError(id, 'pending', lostFileReason);
        }
        throw new MediaNotReadyError(id, row.status, `the stored file cannot be opened (${code})`);
      });
      return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
    },

    async delete(id) {
      ensureOpen();
      if (!isMediaId(id) || db.get(id) === undefined) return false;
      await queue.abort(id);
      const deleted = db.delete(id);
      await removeFile(blobPath(id));
      return deleted;
    },

    status() {
      ensureOpen();
      const stats = db.stats();
      return {
        media: stats.media,
        queue: {
          pending: stats.jobs.pending,
          due: stats.jobs.due,
          running: stats.jobs.running,
        },
        webhooks: stats.outbox,
        outcomes: {
          downloaded: stats.counters.downloaded,
          failed: stats.counters.failed,
          retried: stats.counters.retried,
          attemptFailures: stats.counters['attempt-failures'],
          webhooksDelivered: stats.counters['webhooks-delivered'],
          webhooksDead: stats.counters['webhooks-dead'],
          lostFiles: stats.counters['lost-files'],
        },
      };
    },

    async listen(listenOptions) {
      ensureOpen();
      const server = await startApiServer(store, listenOptions);
      servers.add(server);
      return {
        url: server.url,
        close: async () => {
          servers.delete(server);
          await server.close();
        },
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...servers].map((server) => server.close()));
      servers.clear();
      await queue.close(shutdownGraceMs);
      await dispatcher?.close();
      db.close();
      await unlock();
    },
  };

  queue.wake();
  dispatcher?.wake();
  return store;
}
