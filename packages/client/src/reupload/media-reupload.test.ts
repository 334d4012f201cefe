// Media reupload: the explicit request and the automatic one on 404/410.
import { encryptMedia } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import { isMediaDownloadError, isMediaReuploadError, type MediaReuploadError } from '../errors.js';
import { equalBytes, type Harness, startHarness, testBytes } from '../test-support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ media: { expiredStatus: 410 } });
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

const CHAT = '15550002222@s.whatsapp.net';

function seedExpired(msgId: string, size = 30_000) {
  const plain = testBytes(size, msgId.length);
  const encrypted = encryptMedia(plain, 'image');
  const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'image' });
  h.emulator.phone.remember({ msgId, mediaKey: encrypted.mediaKey, directPath: stored.directPath });
  h.emulator.expireMedia(stored.directPath);
  return { plain, encrypted, stored };
}

async function reuploadError(promise: Promise<unknown>): Promise<MediaReuploadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMediaReuploadError(error))
    throw new Error(`expected MediaReuploadError, got ${String(error)}`);
  return error;
}

describe('mediaReupload.request', () => {
  it('success: a new direct path that downloads the original bytes', async () => {
    const { plain, encrypted } = seedExpired('3EB0AAA1');
    const result = await h.client.mediaReupload.request({
      msgId: '3EB0AAA1',
      chatJid: CHAT,
      mediaKey: encrypted.mediaKey,
      isFromMe: false,
    });
    expect(result.status).toBe('success');
    if (result.status !== 'success') return;
    const bytes = await h.client.download({
      type: 'image',
      directPath: result.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
    });
    expect(equalBytes(bytes, plain)).toBe(true);
    expect(h.emulator.phone.requests.at(-1)?.outcome).toBe('success');
  });

  it('not-found when the phone no longer has the media', async () => {
    const result = await h.client.mediaReupload.request({
      msgId: '3EB0UNKNOWN',
      chatJid: CHAT,
      mediaKey: new Uint8Array(32).fill(1),
      isFromMe: true,
    });
    expect(result).toEqual({ status: 'not-found' });
  });

  it('the history-sync variant works too', async () => {
    const { encrypted } = seedExpired('3EB0HIST');
    const result = await h.client.mediaReupload.request({
      msgId: '3EB0HIST',
      chatJid: CHAT,
      mediaKey: encrypted.mediaKey,
      isFromMe: false,
      historySync: true,
    });
    expect(result.status).toBe('success');
  });

  it("someone else's answers with the same id (other chat, other participant, another key) are passed over", async () => {
    const { plain, encrypted } = seedExpired('3EB0SHARED');
    h.emulator.setSignalingBehavior({ mediaRetry: 'foreign' });
    const result = await h.client.mediaReupload.request({
      msgId: '3EB0SHARED',
      chatJid: CHAT,
      mediaKey: encrypted.mediaKey,
      isFromMe: false,
      participant: '15550003333@s.whatsapp.net',
    });
    // Not the decoys' final-looking decryption-error / not-found: the real answer.
    expect(result.status).toBe('success');
    if (result.status !== 'success') return;
    const bytes = await h.client.download({
      type: 'image',
      directPath: result.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
    });
    expect(equalBytes(bytes, plain)).toBe(true);
  });

  it('malformed notifications with the message id are passed over, not taken as the answer', async () => {
    const { encrypted } = seedExpired('3EB0GARBLED');
    h.emulator.setSignalingBehavior({ mediaRetry: 'garbage' });
    const result = await h.client.mediaReupload.request({
      msgId: '3EB0GARBLED',
      chatJid: CHAT,
      mediaKey: encrypted.mediaKey,
      isFromMe: false,
    });
    expect(result.status).toBe('success');
  });

  it('times out with a typed error when no answer comes', async () => {
    h.emulator.setSignalingBehavior({ mediaRetry: 'ignore' });
    const started = Date.now();
    const error = await reuploadError(
      h.client.mediaReupload.request({
        msgId: '3EB0SILENT',
        chatJid: CHAT,
        mediaKey: new Uint8Array(32),
        isFromMe: false,
        timeoutMs: 200,
      }),
    );
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses newsletter chats, bad keys and clients that are not logged in', async () => {
    const base = { msgId: 'X1', chatJid: CHAT, mediaKey: new Uint8Array(32), isFromMe: false };
    expect(
      (
        await reuploadError(
          h.client.mediaReupload.request({ ...base, chatJid: '120363000000000000@newsletter' }),
        )
      ).code,
    ).toBe('newsletter');
    expect(
      (
        await reuploadError(
          h.client.mediaReupload.request({ ...base, mediaKey: new Uint8Array(5) }),
        )
      ).code,
    ).toBe('encryption');
    const anonymous = createMediaClient({
      signaling: h.emulator.signaling(),
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
    expect((await reuploadError(anonymous.mediaReupload.request(base))).code).toBe('not-logged-in');
    const offline = createMediaClient({ cdn: { scheme: 'http', allowPrivateAddresses: true } });
    expect((await reuploadError(offline.mediaReupload.request(base))).code).toBe('no-signaling');
  });

  it('requestMany: bounded concurrency, results in order, duplicate ids refused before sending', async () => {
    const a = seedExpired('3EB0MANY1');
    const requests = [
      { msgId: '3EB0MANY1', chatJid: CHAT, mediaKey: a.encrypted.mediaKey, isFromMe: false },
      { msgId: '3EB0MANY2', chatJid: CHAT, mediaKey: new Uint8Array(32), isFromMe: false },
      {
        msgId: '3EB0MANY3',
        chatJid: '1@newsletter',
        mediaKey: new Uint8Array(32),
        isFromMe: false,
      },
    ];
    const settled = await h.client.mediaReupload.requestMany(requests, { concurrency: 2 });
    expect(settled.map((s) => s.msgId)).toEqual(['3EB0MANY1', '3EB0MANY2', '3EB0MANY3']);
    expect(settled[0]?.ok && settled[0].result.status).toBe('success');
    expect(settled[1]?.ok && settled[1].result.status).toBe('not-found');
    expect(!settled[2]?.ok && settled[2]?.error.code).toBe('newsletter');

    const sentBefore = h.emulator.phone.requests.length;
    const duplicate = await reuploadError(
      h.client.mediaReupload.requestMany([requests[1]!, requests[1]!]),
    );
    expect(duplicate.code).toBe('duplicate-id');
    expect(h.emulator.phone.requests.length).toBe(sentBefore);
  });
});

describe('automatic media reupload on 404/410', () => {
  it('downloads expired media by asking the phone, by itself', async () => {
    const { plain, encrypted, stored } = seedExpired('3EB0AUTO');
    const params = {
      type: 'image' as const,
      directPath: stored.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
    };
    const withoutReupload = await h.client.download(params).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaDownloadError(withoutReupload) && withoutReupload.code).toBe('media-not-found');
    h.emulator.clearLog();
    const queriesBefore = h.signaling.mediaConnQueries;
    const bytes = await h.client.download(params, {
      reupload: { msgId: '3EB0AUTO', chatJid: CHAT, isFromMe: false },
    });
    expect(equalBytes(bytes, plain)).toBe(true);
    const statuses = h.emulator.log.filter((e) => e.kind === 'download').map((e) => e.status);
    expect(statuses).toEqual([410, 410, 200]);
    // One media_conn refresh for the whole operation, the reupload pass included.
    expect(h.signaling.mediaConnQueries - queriesBefore).toBe(1);
  });
});
