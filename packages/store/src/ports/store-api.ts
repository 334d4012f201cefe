// The store as its servers see it: the narrow port the HTTP API depends on (implemented by the
// object createMediaStore returns), so the servers never import the store itself.

import type { Message } from '@wa-media/protocol';
import type { ReuploadInfo } from '../client-port.js';
import type { MediaRecord } from '../media/media-record.js';
import type { MediaStatus } from './metadata-store.js';

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

/** What the HTTP API calls; see `MediaStore` for each method's contract. */
export interface StoreApi {
  register(message: Message, info: RegisterInfo): Promise<{ id: string; created: boolean }>;
  retryDownload(id: string): Promise<{ id: string }>;
  get(id: string): Promise<MediaRecord | undefined>;
  list(): Promise<MediaRecord[]>;
  open(id: string): Promise<ReadableStream<Uint8Array>>;
  delete(id: string): Promise<boolean>;
  status(): Promise<StoreStatus>;
}
