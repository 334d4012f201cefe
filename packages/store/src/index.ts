/**
 * @wa-media/store — a durable store of inbound WhatsApp media: download, verify, keep, retry
 * (with media reupload past the CDN window) and notify by signed webhook; with an HTTP API
 * modelled on the WhatsApp Business API media endpoints.
 *
 * Folder map: `store.ts` (`createMediaStore`: composition only), `store-options.ts` (options and
 * their checks), `open-store.ts` (opening backends, recovery), `store-handle.ts` (the object
 * returned), `jobs/` (the download job), `ports/` (the metadata, blob and store-API ports),
 * `client-port.ts` (what the store needs from a media client), `db/` (SQLite), `blobs/` (local
 * folder), `queue/` (scheduler, backoff, failure policy), `media/` (message facts, records,
 * ids, completion events), `webhooks/` (signing, delivery), `http/` (the API server),
 * `api-shapes.ts` (JSON shapes and error codes).
 */

export {
  type ApiError,
  type ApiMeta,
  STORE_API_VERSION,
  STORE_ERROR_CODES,
  STORE_ERROR_TITLES,
  type WebhookBody,
  type WebhookMediaObject,
} from './api-shapes.js';
export type { S3BlobOptions, S3Credentials } from './blobs/s3-location.js';
export {
  classifyDownloadFailure,
  type DownloadFailureKind,
  type ReuploadInfo,
  type StoreDownloadOptions,
  type StoreMediaClient,
} from './client-port.js';
export {
  InvalidMediaInputError,
  isInvalidMediaInputError,
  isMediaNotFoundError,
  isMediaNotReadyError,
  isMediaStoreError,
  MediaNotFoundError,
  MediaNotReadyError,
  MediaStoreError,
  type MediaStoreErrorCode,
  type MediaStoreErrorOptions,
} from './errors.js';
export type { ApiServer, ListenOptions } from './http/api-server.js';
export { describeMediaMessage, type MediaDescription } from './media/describe-message.js';
export type { MediaFailure, MediaRecord } from './media/media-record.js';
export type { BlobRange, BlobReadable, BlobStore } from './ports/blob-store.js';
export type { MediaStatus } from './ports/metadata-store.js';
export type { MediaPage, StoreApi } from './ports/store-api.js';
export {
  createMediaStore,
  isMediaId,
  type MediaStore,
  type MediaStoreOptions,
  type RegisterInfo,
  type RetryOptions,
  type SharedQueueOptions,
  type StoreErrorEvent,
  type StoreStatus,
} from './store.js';
export {
  signWebhookBody,
  type VerifyWebhookOptions,
  verifyWebhookSignature,
  WEBHOOK_ATTEMPT_HEADER,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type WebhookHeaders,
} from './webhooks/signature.js';
export type { WebhookOptions } from './webhooks/webhook-dispatcher.js';
