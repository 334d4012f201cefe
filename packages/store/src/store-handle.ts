// The object createMediaStore hands back: registration, retries, reads and deletes over the
// metadata and blob ports, its HTTP servers, and an orderly close.

import {
  encodeMessage,
  isInvalidArgumentError,
  type MessageInput,
  type NormalizedMessage,
  normalizeMessageInput,
} from '@wa-media/protocol';
import type { SafeLogger } from '@wa-media/transport';
import {
  InvalidMediaInputError,
  MediaNotFoundError,
  MediaNotReadyError,
  MediaStoreError,
} from './errors.js';
import { type ApiServer, type ListenOptions, startApiServer } from './http/api-server.js';
import {
  type CompletionEvents,
  lostFileFailure,
  lostFileReason,
} from './media/completion-events.js';
import { describeMediaMessage } from './media/describe-message.js';
import { isMediaId, newMediaId } from './media/media-id.js';
import { type MediaRecord, recordFromRow } from './media/media-record.js';
import { decodePageCursor, encodePageCursor } from './media/page-cursor.js';
import type { Maintenance } from './ops/maintenance.js';
import type { StoreMetrics } from './ops/store-metrics.js';
import type { BlobRange, BlobStore } from './ports/blob-store.js';
import type { MediaRow, MetadataStore } from './ports/metadata-store.js';
import type { MediaPage, RegisterInfo, StoreApi, StoreStatus } from './ports/store-api.js';
import type { DownloadQueue } from './queue/download-queue.js';
import { checkRegisterInfo } from './register-info.js';
import type { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

/** A durable store of inbound media. Create it with `createMediaStore`. */
export interface MediaStore extends StoreApi {
  /**
   * Records a received media message and starts downloading it. Idempotent: the same
   * (chatJid, msgId) returns the same id. `message` is any shape the protocol normalizer reads
   * (our `Message`, Baileys' `proto.IMessage`, a whole `WAMessage` or its BufferJSON form); with
   * a `WAMessage`, `info` defaults to what its key says.
   * @throws {InvalidMediaInputError} no downloadable media, or malformed `info`.
   * @throws {MediaStoreError} `conflict` when (chatJid, msgId) was registered with other media;
   * `closed` after close().
   */
  register(
    message: MessageInput,
    info?: RegisterInfo,
  ): Promise<{
    /** The media id (the same for the same (chatJid, msgId)). */
    id: string;
    /** False when it was registered before. */
    created: boolean;
  }>;
  /**
   * Asks to store the media again (the WhatsApp Business API's `GET /v1/media/{id}/download`): a failed record,
   * or a pending one waiting out its backoff, gets a download due now with a fresh attempt
   * budget (one already running is left to finish); a downloaded one has its completion webhook
   * sent again — or, if its file is missing or damaged, is downloaded again.
   * @throws {MediaNotFoundError} unknown id.
   * @throws {MediaStoreError} `closed` after close().
   */
  retryDownload(id: string): Promise<{
    /** The media id. */
    id: string;
  }>;
  /** The record, or undefined for an unknown id. */
  get(id: string): Promise<MediaRecord | undefined>;
  /** Every record, oldest first. */
  list(): Promise<MediaRecord[]>;
  /**
   * Up to `limit` records (oldest first) after `cursor` (from the previous page's `next`).
   * @throws {InvalidMediaInputError} a `limit` outside 1..1000 or a cursor not from this API.
   */
  listPage(options: { limit: number; cursor?: string }): Promise<MediaPage>;
  /** True when the database answers (`GET /readyz`). */
  ready(): Promise<boolean>;
  /** The Prometheus text exposition of the store's metrics (`GET /metrics`). */
  metrics(): Promise<{
    /** The `Content-Type` to answer with (Prometheus text format). */
    contentType: string;
    /** The exposition text. */
    body: string;
  }>;
  /**
   * The stored (verified) bytes, or the inclusive `range` of them.
   * @throws {MediaNotFoundError} unknown id.
   * @throws {MediaNotReadyError} not downloaded (yet). A record that said downloaded but whose
   * file is gone is queued for download again by this call (`reason` says so; the record goes
   * back to `pending` with error kind `missing-file`, and `status().outcomes.lostFiles` counts it).
   */
  open(id: string, range?: BlobRange): Promise<ReadableStream<Uint8Array>>;
  /** Deletes the record, its queued work and its file. @returns false for an unknown id */
  delete(id: string): Promise<boolean>;
  /** Queue depth and counters. */
  status(): Promise<StoreStatus>;
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

/** What a store handle is built from. */
export interface StoreParts {
  metadata: MetadataStore;
  blobs: BlobStore;
  queue: DownloadQueue;
  dispatcher: WebhookDispatcher | undefined;
  events: CompletionEvents;
  metrics: StoreMetrics;
  maintenance: Maintenance;
  shutdownGraceMs: number;
  /** The store's log (media registered). */
  log: SafeLogger;
  /** Closes the backends (after the queue and dispatcher stopped). */
  closeBackends(): Promise<void>;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** The {@link MediaStore} over `parts`. */
export class StoreHandle implements MediaStore {
  readonly #parts: StoreParts;
  readonly #servers = new Set<ApiServer>();
  #closing: Promise<void> | undefined;

  constructor(parts: StoreParts) {
    this.#parts = parts;
  }

  /** True once close() was called (running jobs then release rather than fail). */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  async register(
    input: MessageInput,
    info?: RegisterInfo,
  ): Promise<{ id: string; created: boolean }> {
    this.#ensureOpen();
    const { message, key } = normalizeRegisterInput(input);
    const checked = checkRegisterInfo(
      info ??
        key ??
        missingInfo('a WAMessage with key { id, remoteJid } or info { msgId, chatJid, isFromMe }'),
    );
    const media = describeMediaMessage(message);
    const { metadata } = this.#parts;
    const existing = await metadata.findByMessageKey(checked.chatJid, checked.msgId);
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
      await metadata.insertWithJob(
        { id, ...checked, participant: checked.participant, ...media, message: encoded },
        Date.now(),
      );
    } catch (error) {
      // Another process registered the same message between our read and write.
      const raced = await metadata.findByMessageKey(checked.chatJid, checked.msgId);
      if (raced !== undefined) return { id: raced.id, created: false };
      throw error;
    }
    this.#parts.queue.wake();
    this.#parts.log.log('info', 'media registered', {
      mediaId: id,
      mediaType: media.type,
      fileLength: media.fileLength,
    });
    return { id, created: true };
  }

  async retryDownload(id: string): Promise<{ id: string }> {
    this.#ensureOpen();
    const row = await this.#row(id);
    if (row === undefined) throw new MediaNotFoundError(String(id));
    const { metadata, blobs, events, queue, dispatcher } = this.#parts;
    this.#parts.metrics.retryRequested();
    if (row.status === 'downloaded') {
      if ((await blobs.verify(id, row.file_sha256)) !== undefined) {
        const event = events.of(row);
        if (event !== undefined) {
          await metadata.insertEvent(event, Date.now());
          dispatcher?.wake();
        }
        return { id };
      }
      // Its file is gone or damaged: fetch it again (the completion webhook follows).
      if (await metadata.requeueLostFile(id, Date.now(), lostFileFailure)) {
        queue.wake();
        return { id };
      }
    }
    await metadata.requeue(id, Date.now());
    queue.wake();
    return { id };
  }

  async get(id: string): Promise<MediaRecord | undefined> {
    this.#ensureOpen();
    const row = await this.#row(id);
    return row === undefined ? undefined : recordFromRow(row);
  }

  async list(): Promise<MediaRecord[]> {
    this.#ensureOpen();
    return (await this.#parts.metadata.list()).map(recordFromRow);
  }

  async listPage(options: { limit: number; cursor?: string }): Promise<MediaPage> {
    this.#ensureOpen();
    const { limit } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new InvalidMediaInputError('limit', 'must be an integer 1..1000');
    }
    const after = options.cursor === undefined ? undefined : decodePageCursor(options.cursor);
    // One more than asked tells whether a next page exists.
    const rows = await this.#parts.metadata.listPage(after, limit + 1);
    const items = rows.slice(0, limit).map(recordFromRow);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined
      ? { items, next: encodePageCursor({ createdAt: last.createdAt, id: last.id }) }
      : { items };
  }

  async ready(): Promise<boolean> {
    if (this.#closing !== undefined) return false;
    try {
      await this.#parts.metadata.ping();
      return true;
    } catch {
      return false;
    }
  }

  metrics(): Promise<{ contentType: string; body: string }> {
    this.#ensureOpen();
    return this.#parts.metrics.render();
  }

  async open(id: string, range?: BlobRange): Promise<ReadableStream<Uint8Array>> {
    this.#ensureOpen();
    const row = await this.#row(id);
    if (row === undefined) throw new MediaNotFoundError(String(id));
    if (row.status !== 'downloaded') throw new MediaNotReadyError(id, row.status);
    let opened: Awaited<ReturnType<BlobStore['open']>>;
    try {
      opened = await this.#parts.blobs.open(id, range);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new MediaNotReadyError(id, row.status, `the stored file cannot be opened (${code})`);
    }
    if (opened === undefined) {
      if (await this.#parts.metadata.requeueLostFile(id, Date.now(), lostFileFailure)) {
        this.#parts.queue.wake();
        throw new MediaNotReadyError(id, 'pending', lostFileReason);
      }
      throw new MediaNotReadyError(id, row.status, 'the stored file cannot be opened (ENOENT)');
    }
    return opened.stream;
  }

  async delete(id: string): Promise<boolean> {
    this.#ensureOpen();
    if ((await this.#row(id)) === undefined) return false;
    // The record (and its job) goes first: the aborted download then finds nothing to put
    // back in the queue, so nothing downloads it again or asks the phone for it.
    const deleted = await this.#parts.metadata.delete(id);
    await this.#parts.queue.abort(id);
    await this.#parts.blobs.delete(id);
    return deleted;
  }

  async status(): Promise<StoreStatus> {
    this.#ensureOpen();
    const stats = await this.#parts.metadata.stats(Date.now());
    return {
      media: stats.media,
      queue: { pending: stats.jobs.pending, due: stats.jobs.due, running: stats.jobs.running },
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
  }

  async listen(options: ListenOptions): Promise<ApiServer> {
    this.#ensureOpen();
    const server = await startApiServer(this, options);
    this.#servers.add(server);
    return {
      url: server.url,
      close: async () => {
        this.#servers.delete(server);
        await server.close();
      },
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await Promise.all([...this.#servers].map((server) => server.close()));
    this.#servers.clear();
    await this.#parts.maintenance.close();
    await this.#parts.queue.close(this.#parts.shutdownGraceMs);
    await this.#parts.dispatcher?.close();
    await this.#parts.closeBackends();
  }

  #row(id: string): Promise<MediaRow | undefined> {
    return isMediaId(id) ? this.#parts.metadata.get(id) : Promise.resolve(undefined);
  }

  #ensureOpen(): void {
    if (this.#closing !== undefined) {
      throw new MediaStoreError('closed', 'the media store is closed');
    }
  }
}

function missingInfo(what: string): never {
  throw new InvalidMediaInputError('info', `is needed: pass ${what}`);
}

/** The normalized message and its key, with the normalizer's errors as store errors. */
function normalizeRegisterInput(input: MessageInput): NormalizedMessage {
  try {
    return normalizeMessageInput(input);
  } catch (error) {
    if (!isInvalidArgumentError(error)) throw error;
    throw new InvalidMediaInputError(error.parameter, problemOf(error), { cause: error });
  }
}

/** The protocol error's problem without its "Invalid <field>:" prefix (the field is named apart). */
function problemOf(error: Error): string {
  return error.message.replace(/^Invalid [^:]*: /, '');
}
