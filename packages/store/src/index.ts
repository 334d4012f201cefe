/**
 * @wa-media/store — a durable store of inbound WhatsApp media: download, verify, keep, retry
 * (with media reupload past the CDN window) and notify by signed webhook; with an HTTP API
 * modelled on the WhatsApp Business API media endpoints.
 *
 * Folder map: `store.ts` (`createMediaStore`), `client-port.ts` (what the store needs from a
 * media client), `db/` (SQLite: records, job queue, webhook outbox), `queue/` (scheduler,
 * backoff, failure policy), `media/` (message facts, records, blob files), `webhooks/`
 * (signing, delivery), `http/` (the API server), `api-shapes.ts` (JSON shapes and error codes).
 */

export {
  type ApiError,
  type ApiMeta,
  apiError,
  STORE_API_VERSION,
  STORE_ERROR_CODES,
  STORE_ERROR_TITLES,
  type WebhookBody,
  type WebhookMediaObject,
  webhookBody,
} from './api-shapes.js';
export {
  classifyDownloadFailure,
  type DownloadFailureKind,
  type ReuploadInfo,
  type StoreDownloadOptions,
  type StoreMediaClient,
} from './client-port.js';
export type { MediaStatus } from './db/store-database.js';
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
export { type ApiServer, type ListenOptions, recordToJson } from './http/api-server.js';
export { describeMediaMessage, type MediaDescription } from './media/describe-message.js';
export type { MediaFailure, MediaRecord } from './media/media-record.js';
export {
  createMediaStore,
  isMediaId,
  type MediaStore,
  type MediaStoreOptions,
  type RegisterInfo,
  type RetryOptions,
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
export { redactUrl, type WebhookOptions } from './webhooks/webhook-dispatcher.js';
