/**
 * @wa-media/protocol — pure builders and parsers (no I/O) for the wire formats of WhatsApp
 * media: signalling nodes, JIDs, protobuf messages, media_conn, media retry and CDN URLs.
 *
 * Folder map: `binary-node/` (BinaryNode helpers, the MediaSignaling type), `jid/`,
 * `media-conn/`, `media-retry/` (receipt, notification, retry payloads), `cdn/` (URLs,
 * replies, headers), `messages/` (encode/decode, unwrap, albums), `generated/` (ts-proto
 * output of `proto/wa_media.proto`; regenerate with `pnpm generate`).
 */

export {
  type BinaryNode,
  getAttr,
  getChild,
  getChildren,
  getContentBytes,
  getIntAttr,
  type IntAttrOptions,
  requireAttr,
  requireChild,
  requireContentBytes,
  requireIntAttr,
} from './binary-node/binary-node.js';
export type {
  BinaryNodeMatcher,
  MediaSignaling,
  SignalingWaitOptions,
} from './binary-node/signaling.js';
export {
  parseResumeProbe,
  parseUploadReply,
  type ResumeProbeResult,
  type ServerThumbnailInfo,
  type UploadReply,
} from './cdn/replies.js';
export {
  buildDownloadUrls,
  buildUploadUrl,
  CDN_HEADERS,
  type CdnScheme,
  DEFAULT_CDN_HOSTS,
  type DownloadUrlsParams,
  mediaUploadToken,
  RESUMABLE_UPLOAD_THRESHOLD,
  type UploadUrlParams,
} from './cdn/urls.js';
export {
  BinaryNodeError,
  InvalidArgumentError,
  InvalidJidError,
  isBinaryNodeError,
  isInvalidArgumentError,
  isInvalidJidError,
  isMediaConnError,
  isMediaRetryError,
  isProtobufDecodeError,
  isProtocolError,
  isUploadReplyError,
  MediaConnError,
  MediaRetryError,
  ProtobufDecodeError,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorOptions,
  UploadReplyError,
} from './errors.js';
// Generated protobuf messages (interface + ts-proto `encode` / `decode` / `fromPartial` under
// the same name). `fromPartial` / `create` drop `_unknownFields`: spread decoded objects instead.
export {
  AlbumMessage,
  AudioMessage,
  ButtonsMessage,
  DocumentMessage,
  ExtendedTextMessage,
  ExtendedTextMessage_PreviewType,
  ExternalBlobReference,
  FutureProofMessage,
  HistorySyncNotification,
  HistorySyncType,
  ImageMessage,
  ImageMessage_ImageSourceType,
  InteractiveMessage,
  InteractiveMessageHeader,
  MediaKeyDomain,
  MediaRetryNotification,
  MediaRetryNotification_ResultType,
  Message,
  MessageAssociation,
  MessageAssociation_AssociationType,
  MessageContextInfo,
  MessageKey,
  ProtocolMessage,
  ServerErrorReceipt,
  StickerMessage,
  StickerPackMessage,
  StickerPackMessage_StickerPackOrigin,
  StickerPackSticker,
  VideoMessage,
  VideoMessage_Attribution,
  VideoMessage_VideoSourceType,
} from './generated/wa_media.pb.js';
export {
  BROADCAST_SERVER,
  formatJid,
  GROUP_SERVER,
  isBroadcastJid,
  isGroupJid,
  isLidJid,
  isNewsletterJid,
  isStatusBroadcastJid,
  isUserJid,
  type Jid,
  type JidServer,
  jidWithoutDevice,
  LEGACY_USER_SERVER,
  LID_SERVER,
  MAX_JID_LENGTH,
  NEWSLETTER_SERVER,
  parseJid,
  STATUS_BROADCAST_JID,
  toBareJid,
  tryParseJid,
  USER_SERVER,
} from './jid/jid.js';
export {
  buildMediaConnIq,
  isMediaConnFresh,
  type MediaConn,
  type MediaConnHost,
  type MediaConnIqOptions,
  mediaConnHostOrder,
  parseMediaConn,
} from './media-conn/media-conn.js';
export {
  isMediaRetryNotificationFor,
  type MediaRetryNotificationResult,
  type MediaRetryNotificationStanza,
  type MediaRetryOrigin,
  parseMediaRetryNotification,
} from './media-retry/notification.js';
export {
  type DecodedMediaRetryNotification,
  decodeMediaRetryNotification,
  encodeServerErrorReceipt,
  type MediaRetryResult,
  mediaRetryResultFromCode,
} from './media-retry/payload.js';
export {
  buildServerErrorReceipt,
  type ServerErrorReceiptParams,
} from './media-retry/receipt.js';
export {
  type AlbumParentParams,
  buildAlbumParent,
  getAlbumParentKey,
  wrapAsAlbumChild,
} from './messages/album.js';
export {
  type BaileysForm,
  type BaileysMessage,
  toBaileysMessage,
} from './messages/baileys-form.js';
export {
  decodeExternalBlobReference,
  decodeHistorySyncNotification,
  decodeMessage,
  encodeMessage,
} from './messages/codec.js';
export {
  BYTES_FIELDS,
  INT64_FIELDS,
  keyInfo,
  type MessageInput,
  type MessageKeyInfo,
  type NormalizedMessage,
  normalizeMessage,
  normalizeMessageInput,
  toBytes,
  toUint64,
} from './messages/normalize.js';
export {
  getMediaContent,
  headerMedia,
  MESSAGE_WRAPPER_FIELDS,
  type MediaContent,
  unwrapMessage,
} from './messages/unwrap.js';
