// The store as its servers see it: the narrow port the HTTP API depends on (implemented by the
// object createMediaStore returns), so the servers never import the store itself.

import type { MessageInput } from '@wa-media/protocol';
import type { ReuploadInfo } from '../client-port.js';
import type { MediaRecord } from '../media/media-record.js';
import type { BlobRange } from './blob-store.js';
import type { MediaStatus } from './metadata-store.js';

/** Where and for whom a media message was received. */
export type RegisterInfo = ReuploadInfo;

/** Queue depth and outcome counters (`GET /v1/status`). */
export interface StoreStatus {
  /** Records by status. */
  media: Record<MediaStatus, number>;
  /** The download queue. */
  queue: {
    /** Jobs waiting (due now or scheduled for a retry). */
    pending: number;
    /** Jobs waiting whose time has come. */
    due: number;
    /** Jobs running now. */
    running: number;
  };
  /** The webhook outbox. */
  webhooks: {
    /** Events waiting to be delivered (or retried). */
    pending: number;
    /** Events delivered (a 2xx answer). */
    delivered: number;
    /** Events given up after `maxAttempts`. */
    dead: number;
  };
  /** Totals since the store's data directory was created. */
  outcomes: {
    /** Media stored and verified. */
    downloaded: number;
    /** Media that failed for good. */
    failed: number;
    /** `retryDownload` calls that queued a download. */
    retried: number;
    /** Download attempts that failed (retried or not). */
    attemptFailures: number;
    /** Webhook deliveries answered with a 2xx. */
    webhooksDelivered: number;
    /** Webhook events given up. */
    webhooksDead: number;
    /** Downloaded records found without their file and queued again (see `open`). */
    lostFiles: number;
  };
}

/** One page of records and the cursor of the next, if any. */
export interface MediaPage {
  /** The records of this page, oldest first. */
  items: MediaRecord[];
  /** Pass as `cursor` for the next page; absent on the last one. */
  next?: string;
}

/** What the HTTP API calls; see `MediaStore` for each method's contract. */
export interface StoreApi {
  /** `GET /v1/media?limit=N&after=CURSOR`: see {@link MediaStore.listPage}. */
  listPage(options: { limit: number; cursor?: string }): Promise<MediaPage>;
  /** True when the database answers (readiness). */
  ready(): Promise<boolean>;
  /** Prometheus text exposition of the store's metrics. */
  metrics(): Promise<{
    /** The `Content-Type` to answer with (Prometheus text format). */
    contentType: string;
    /** The exposition text. */
    body: string;
  }>;
  /** `POST /v1/media`: see {@link MediaStore.register}. */
  register(
    message: MessageInput,
    info?: RegisterInfo,
  ): Promise<{
    /** The media id. */
    id: string;
    /** False when (chatJid, msgId) was registered before. */
    created: boolean;
  }>;
  /** `GET /v1/media/{id}/download`: see {@link MediaStore.retryDownload}. */
  retryDownload(id: string): Promise<{
    /** The media id. */
    id: string;
  }>;
  /** `GET /v1/media/{id}/status`: the record, or undefined for an unknown id. */
  get(id: string): Promise<MediaRecord | undefined>;
  /** `GET /v1/media`: every record, oldest first. */
  list(): Promise<MediaRecord[]>;
  /** `GET /v1/media/{id}`: see {@link MediaStore.open}. */
  open(id: string, range?: BlobRange): Promise<ReadableStream<Uint8Array>>;
  /** `DELETE /v1/media/{id}`: false for an unknown id. */
  delete(id: string): Promise<boolean>;
  /** `GET /v1/status`: queue depth and counters. */
  status(): Promise<StoreStatus>;
}
