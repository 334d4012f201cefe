/**
 * @wa-media/client — the package users call: upload (resumable), download (verified,
 * streaming, failover), media reupload, transfers (pause / resume / cancel).
 *
 * Folder map: `client.ts` (createMediaClient), `media-conn/` (the shared media_conn cache),
 * `upload/`, `download/` (engine, sinks, range, which blob a message points at), `reupload/`
 * (media retry), `transfers/` (Transfer, registry), `signaling/` (fromBaileysSocket),
 * `messages/` (message builders, forwarding), `internal/` (status rules). Node-only helpers
 * (files, temp-file spool, downloadToFile) are in `@wa-media/client/node`.
 */

export type { MediaSignaling } from '@wa-media/protocol';
export { type BaileysMessage, toBaileysMessage } from '@wa-media/protocol';
export {
  createMediaClient,
  DEFAULT_MAX_DOWNLOAD_BYTES,
  type Downloadable,
  type DownloadOptions,
  type DownloadResult,
  type DownloadStream,
  type MediaClient,
  type MediaClientOptions,
} from './client.js';
export type { DownloadSink, VerifiedDownload } from './download/download-engine.js';
export type { UpdatedMedia } from './download/download-types.js';
export {
  type DownloadableOptions,
  type DownloadParams,
  downloadParamsFromExternalBlob,
  downloadParamsFromMessage,
} from './download/downloadable.js';
export type { RangeDownloadOptions } from './download/range-download.js';
export type { MediaWriter } from './download/sinks.js';
export {
  ClientArgumentError,
  isClientArgumentError,
  isMediaClientError,
  isMediaConnFetchError,
  isMediaDownloadError,
  isMediaReuploadError,
  isMediaUploadError,
  isNoMediaError,
  isSignalingTimeoutError,
  isTransferCancelledError,
  isTransferStateError,
  isUnsupportedMessageError,
  MediaClientError,
  type MediaClientErrorCode,
  type MediaClientErrorOptions,
  MediaConnFetchError,
  type MediaConnFetchErrorCode,
  MediaDownloadError,
  type MediaDownloadErrorCode,
  MediaReuploadError,
  type MediaReuploadErrorCode,
  MediaUploadError,
  type MediaUploadErrorCode,
  NoMediaError,
  SignalingTimeoutError,
  type TransferAttempt,
  TransferCancelledError,
  TransferStateError,
  type TransferStateErrorCode,
  UnsupportedMessageError,
} from './errors.js';
export type { LowSpeedRule } from './internal/cdn-driver.js';
export type { RetryPolicy } from './internal/cdn-policy.js';
export type { MediaConnManager } from './media-conn/media-conn-cache.js';
export {
  type AudioMessageFields,
  buildAlbumParent,
  buildAudioMessage,
  buildDocumentMessage,
  buildImageMessage,
  buildStickerMessage,
  buildVideoMessage,
  type DocumentMessageFields,
  forwardMediaMessage,
  type ImageMessageFields,
  type NewsletterMediaType,
  newsletterMediaAttrs,
  newsletterMediaType,
  type StickerMessageFields,
  type VideoMessageFields,
  wrapAsAlbumChild,
} from './messages/build-message.js';
export {
  type DescribeFunction,
  type MediaPreview,
  type PreviewedUpload,
  type PreviewKind,
  type PreviewUploader,
  type ThumbnailReference,
  type UploadWithPreviewOptions,
  uploadWithPreview,
} from './messages/upload-with-preview.js';
export { reuploadFromKey } from './reupload/from-key.js';
export type {
  AutoReuploadOptions,
  MediaReupload,
  MediaReuploadRequest,
  MediaReuploadResult,
  MediaReuploadSettled,
} from './reupload/media-reupload.js';
export {
  type BaileysSignaling,
  type BaileysSignalingOptions,
  type BaileysSocketLike,
  fromBaileysSocket,
} from './signaling/baileys.js';
export type { DisconnectAwareSignaling } from './signaling/signaling.js';
export type { EndedTransfer, TransferRegistry } from './transfers/registry.js';
export type {
  Transfer,
  TransferEventMap,
  TransferKind,
  TransferProgressEvent,
  TransferState,
  TransferStateEvent,
} from './transfers/transfer.js';
export type { UploadOptions, UploadResult } from './upload/upload-engine.js';
export {
  memorySpool,
  type ReopenableSource,
  type SpoolWriter,
  type UploadSource,
  type UploadSpool,
} from './upload/upload-source.js';
