// The public surface on purpose: every runtime export of each entry point and every subpath of
// package.json "exports" is listed here, so adding or removing one is a visible decision in
// review (refresh with `pnpm exec vitest run --project client src/public-surface.test.ts -u`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe('public surface of @wa-media/client', () => {
  it('has these package.json export subpaths', () => {
    expect(Object.keys(manifest.exports)).toMatchInlineSnapshot(`
      [
        ".",
        "./node",
        "./package.json",
      ]
    `);
  });

  it('exports these names from the main entry', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
      [
        "ClientArgumentError",
        "DEFAULT_MAX_DOWNLOAD_BYTES",
        "MediaClientError",
        "MediaConnFetchError",
        "MediaDownloadError",
        "MediaReuploadError",
        "MediaUploadError",
        "NoMediaError",
        "SignalingTimeoutError",
        "TransferCancelledError",
        "TransferStateError",
        "UnsupportedMessageError",
        "buildAlbumParent",
        "buildAudioMessage",
        "buildDocumentMessage",
        "buildImageMessage",
        "buildStickerMessage",
        "buildVideoMessage",
        "createMediaClient",
        "downloadParamsFromExternalBlob",
        "downloadParamsFromMessage",
        "forwardMediaMessage",
        "fromBaileysSocket",
        "isClientArgumentError",
        "isMediaClientError",
        "isMediaConnFetchError",
        "isMediaDownloadError",
        "isMediaReuploadError",
        "isMediaUploadError",
        "isNoMediaError",
        "isSignalingTimeoutError",
        "isTransferCancelledError",
        "isTransferStateError",
        "isUnsupportedMessageError",
        "memorySpool",
        "newsletterMediaAttrs",
        "newsletterMediaType",
        "reuploadFromKey",
        "toBaileysMessage",
        "uploadWithPreview",
        "wrapAsAlbumChild",
      ]
    `);
  });

  it('exports these names from ./node', async () => {
    expect(Object.keys(await import('./node.js')).sort()).toMatchInlineSnapshot(`
      [
        "atomicFileWriter",
        "createNodeMediaClient",
        "downloadToFile",
        "fileSource",
        "tempFileSpool",
      ]
    `);
  });
});
