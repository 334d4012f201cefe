// The public surface on purpose: every runtime export of each entry point and every subpath of
// package.json "exports" is listed here, so adding or removing one is a visible decision in
// review (refresh with `pnpm exec vitest run --project protocol src/public-surface.test.ts -u`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe('public surface of @wa-media/protocol', () => {
  it('has these package.json export subpaths', () => {
    expect(Object.keys(manifest.exports)).toMatchInlineSnapshot(`
      [
        ".",
        "./package.json",
      ]
    `);
  });

  it('exports these names from the main entry', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
      [
        "AlbumMessage",
        "AudioMessage",
        "BROADCAST_SERVER",
        "BinaryNodeError",
        "CDN_HEADERS",
        "DEFAULT_CDN_HOSTS",
        "DocumentMessage",
        "ExtendedTextMessage",
        "ExtendedTextMessage_PreviewType",
        "ExternalBlobReference",
        "FutureProofMessage",
        "GROUP_SERVER",
        "HistorySyncNotification",
        "HistorySyncType",
        "ImageMessage",
        "ImageMessage_ImageSourceType",
        "InvalidArgumentError",
        "InvalidJidError",
        "LEGACY_USER_SERVER",
        "LID_SERVER",
        "MAX_JID_LENGTH",
        "MESSAGE_WRAPPER_FIELDS",
        "MediaConnError",
        "MediaKeyDomain",
        "MediaRetryError",
        "MediaRetryNotification",
        "MediaRetryNotification_ResultType",
        "Message",
        "MessageAssociation",
        "MessageAssociation_AssociationType",
        "MessageContextInfo",
        "MessageKey",
        "NEWSLETTER_SERVER",
        "ProtobufDecodeError",
        "ProtocolError",
        "ProtocolMessage",
        "RESUMABLE_UPLOAD_THRESHOLD",
        "STATUS_BROADCAST_JID",
        "ServerErrorReceipt",
        "StickerMessage",
        "StickerPackMessage",
        "StickerPackMessage_StickerPackOrigin",
        "StickerPackSticker",
        "USER_SERVER",
        "UploadReplyError",
        "VideoMessage",
        "VideoMessage_Attribution",
        "VideoMessage_VideoSourceType",
        "buildAlbumParent",
        "buildDownloadUrls",
        "buildMediaConnIq",
        "buildServerErrorReceipt",
        "buildUploadUrl",
        "decodeExternalBlobReference",
        "decodeHistorySyncNotification",
        "decodeMediaRetryNotification",
        "decodeMessage",
        "encodeMessage",
        "encodeServerErrorReceipt",
        "formatJid",
        "getAlbumParentKey",
        "getAttr",
        "getChild",
        "getChildren",
        "getContentBytes",
        "getIntAttr",
        "getMediaContent",
        "isBinaryNodeError",
        "isBroadcastJid",
        "isGroupJid",
        "isInvalidArgumentError",
        "isInvalidJidError",
        "isLidJid",
        "isMediaConnError",
        "isMediaConnFresh",
        "isMediaRetryError",
        "isMediaRetryNotificationFor",
        "isNewsletterJid",
        "isProtobufDecodeError",
        "isProtocolError",
        "isStatusBroadcastJid",
        "isUploadReplyError",
        "isUserJid",
        "jidWithoutDevice",
        "mediaConnHostOrder",
        "mediaRetryResultFromCode",
        "mediaUploadToken",
        "parseJid",
        "parseMediaConn",
        "parseMediaRetryNotification",
        "parseResumeProbe",
        "parseUploadReply",
        "requireAttr",
        "requireChild",
        "requireContentBytes",
        "requireIntAttr",
        "toBareJid",
        "tryParseJid",
        "unwrapMessage",
        "wrapAsAlbumChild",
      ]
    `);
  });
});
