// The signalling peer: media_conn replies, media retry answered by the emulated phone, and
// malformed receipts.
import { randomBytes } from 'node:crypto';
import {
  decryptMedia,
  decryptMediaRetry,
  encryptMedia,
  encryptMediaRetry,
  generateMediaKey,
} from '@wa-media/crypto';
import {
  type BinaryNode,
  buildMediaConnIq,
  buildServerErrorReceipt,
  decodeMediaRetryNotification,
  encodeServerErrorReceipt,
  isMediaRetryNotificationFor,
  type MediaSignaling,
  mediaConnHostOrder,
  parseMediaConn,
  parseMediaRetryNotification,
} from '@wa-media/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, isEmulatorError, startEmulator } from '../index.js';
import {
  encryptForTest,
  json,
  type RawResponse,
  rawRequest,
  uploadRequest,
} from '../test-support/http.js';

const OWN_JID = '15550001111:3@s.whatsapp.net';
const CHAT_JID = '15550002222@s.whatsapp.net';

let emulator: Emulator;
let signaling: MediaSignaling & { close(): void };

beforeAll(async () => {
  emulator = await startEmulator({ control: false });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  signaling?.close();
  signaling = emulator.signaling({ ownJid: OWN_JID });
});

/** Encrypts and uploads an image through HTTP, as a client would. */
async function uploadImage(auth: string): Promise<{
  plaintext: Uint8Array;
  mediaKey: Uint8Array;
  directPath: string;
  fileEncSha256: Uint8Array;
  fileSha256: Uint8Array;
}> {
  const plaintext = randomBytes(20_000);
  const encrypted = encryptMedia(plaintext, 'image');
  const res = await rawRequest(uploadRequest(emulator.hostnames[0]!, encrypted.data, auth));
  expect(res.status).toBe(200);
  return {
    plaintext,
    mediaKey: encrypted.mediaKey,
    fileEncSha256: encrypted.fileEncSha256,
    fileSha256: encrypted.fileSha256,
    directPath: json(res).direct_path as string,
  };
}

function retryReceipt(msgId: string, mediaKey: Uint8Array, chatJid = CHAT_JID): BinaryNode {
  const { ciphertext, iv } = encryptMediaRetry({
    mediaKey,
    messageId: msgId,
    plaintext: encodeServerErrorReceipt(msgId),
  });
  return buildServerErrorReceipt({
    msgId,
    ownJid: OWN_JID,
    chatJid,
    isFromMe: false,
    ciphertext,
    iv,
  });
}

describe('media_conn', () => {
  it('answers with an auth token and every host, parsable by protocol', async () => {
    const reply = await signaling.query(buildMediaConnIq({ id: 'q1' }));
    expect(reply.attrs).toMatchObject({ id: 'q1', type: 'result' });
    const conn = parseMediaConn(reply, emulator.clock.now());
    expect(conn).toMatchObject({ ttl: 300, authTtl: 21_600, maxBuckets: 12 });
    expect(mediaConnHostOrder(conn)).toEqual(emulator.hostnames);
    expect(conn.hosts.map((h) => h.type)).toEqual(['primary', 'fallback']);
    // The token works for uploads until auth_ttl passes on the emulator clock.
    await uploadImage(conn.auth);
    emulator.clock.advance(21_600_000);
    const res = await rawRequest(
      uploadRequest(
        emulator.hostnames[0]!,
        encryptMedia(new Uint8Array(1), 'image').data,
        conn.auth,
      ),
    );
    expect(res.status).toBe(401);
  });

  it('uses the configured ttl and auth_ttl', async () => {
    const other = await startEmulator({
      control: false,
      hosts: 3,
      mediaConn: { ttlSec: 60, authTtlSec: 120 },
    });
    try {
      const conn = parseMediaConn(await other.signaling().query(buildMediaConnIq()));
      expect(conn).toMatchObject({ ttl: 60, authTtl: 120 });
      expect(conn.hosts).toHaveLength(3);
    } finally {
      await other.close();
    }
  });

  it('refuses an auth token after min(ttl, auth_ttl), so a client must honour ttl', async () => {
    const other = await startEmulator({
      control: false,
      mediaConn: { ttlSec: 60, authTtlSec: 21_600 },
    });
    try {
      const conn = parseMediaConn(await other.signaling().query(buildMediaConnIq()));
      const issued = other.issueAuth();
      const upload = async (token: string): Promise<RawResponse> => {
        const { blob } = encryptForTest(randomBytes(100));
        return rawRequest(uploadRequest(other.hostnames[0]!, blob, token));
      };
      other.clock.advance(50_000);
      expect((await upload(conn.auth)).status).toBe(200);
      other.clock.advance(11_000); // 61 s: past ttl, well within auth_ttl
      for (const token of [conn.auth, issued]) {
        const res = await upload(token);
        expect(res.status).toBe(401);
        expect(json(res).error).toBe('auth expired');
      }
    } finally {
      await other.close();
    }
  });

  it('answers a malformed IQ with an error IQ', async () => {
    const iq = buildMediaConnIq({ id: 'q2' });
    const reply = await signaling.query({ ...iq, attrs: { ...iq.attrs, xmlns: 'w' } });
    expect(reply.attrs.type).toBe('error');
    expect(() => parseMediaConn(reply)).toThrow(/error IQ/);
  });

  it('can stay silent (query times out) and delay its replies', async () => {
    emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    const error = await signaling
      .query(buildMediaConnIq(), { timeoutMs: 50 })
      .catch((e: unknown) => e);
    expect(isEmulatorError(error) && error.code).toBe('timeout');
    emulator.setSignalingBehavior({ mediaConn: 'reply', replyDelayMs: 150 });
    const started = performance.now();
    await signaling.query(buildMediaConnIq());
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('rejects with the signal reason on abort', async () => {
    emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    const controller = new AbortController();
    const pending = signaling.query(buildMediaConnIq(), { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});

describe('media retry (the emulated phone)', () => {
  it('re-uploads remembered media and answers SUCCESS with a new direct path to the same bytes', async () => {
    const media = await uploadImage(emulator.issueAuth());
    emulator.phone.remember({
      msgId: 'MSG1',
      mediaKey: media.mediaKey,
      directPath: media.directPath,
      chatJid: CHAT_JID,
    });
    emulator.clock.advance(15 * 86_400_000);
    expect((await rawRequest({ url: emulator.downloadUrls(media.directPath)[0]! })).status).toBe(
      404,
    );

    const waiting = signaling.waitFor(isMediaRetryNotificationFor('MSG1'), { timeoutMs: 5000 });
    await signaling.send(retryReceipt('MSG1', media.mediaKey));
    const notification = parseMediaRetryNotification(await waiting);
    expect(notification).toMatchObject({
      msgId: 'MSG1',
      chatJid: CHAT_JID,
      fromMe: false,
      from: '15550001111@s.whatsapp.net',
    });
    if (notification.result.kind !== 'encrypted') throw new Error('expected an encrypted answer');
    const opened = decodeMediaRetryNotification(
      decryptMediaRetry({ mediaKey: media.mediaKey, messageId: 'MSG1', ...notification.result }),
    );
    expect(opened.result).toBe('success');
    expect(opened.stanzaId).toBe('MSG1');
    expect(opened.directPath).not.toBe(media.directPath);

    const res = await rawRequest({ url: emulator.downloadUrls(opened.directPath!)[1]! });
    expect(res.status).toBe(200);
    const plaintext = decryptMedia(res.body, {
      type: 'image',
      mediaKey: media.mediaKey,
      fileSha256: media.fileSha256,
      fileEncSha256: media.fileEncSha256,
    });
    expect(Buffer.compare(Buffer.from(plaintext), Buffer.from(media.plaintext))).toBe(0);
    expect(emulator.phone.requests).toEqual([
      { msgId: 'MSG1', outcome: 'success', directPath: opened.directPath },
    ]);
  });

  it('answers the history-sync variant (category="peer", no <rmr>)', async () => {
    const mediaKey = generateMediaKey();
    const blob = encryptMedia(randomBytes(3000), 'history', { mediaKey }).data;
    emulator.phone.remember({ msgId: 'H1', mediaKey, blob, mmsType: 'md-msg-hist' });
    const sealed = encryptMediaRetry({
      mediaKey,
      messageId: 'H1',
      plaintext: encodeServerErrorReceipt('H1'),
    });
    const receipt = buildServerErrorReceipt({
      msgId: 'H1',
      ownJid: OWN_JID,
      chatJid: CHAT_JID,
      isFromMe: true,
      historySync: true,
      ...sealed,
    });
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('H1'), { timeoutMs: 5000 });
    await signaling.send(receipt);
    const parsed = parseMediaRetryNotification(await waiting);
    if (parsed.result.kind !== 'encrypted') throw new Error('expected an encrypted answer');
    const opened = decodeMediaRetryNotification(
      decryptMediaRetry({ mediaKey, messageId: 'H1', ...parsed.result }),
    );
    expect(opened.directPath).toMatch(/^\/v\/t62\.36145-24\//);
    const res = await rawRequest({ url: emulator.downloadUrls(opened.directPath!)[0]! });
    expect(Buffer.compare(res.body, Buffer.from(blob))).toBe(0);
  });

  it('answers <error code="2"/> for media it does not have', async () => {
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('NOPE'), { timeoutMs: 5000 });
    await signaling.send(retryReceipt('NOPE', generateMediaKey()));
    const parsed = parseMediaRetryNotification(await waiting);
    expect(parsed.result).toEqual({ kind: 'error', code: 2 });
  });

  it('answers <error code="3"/> when the request was sealed with another key', async () => {
    const { directPath } = emulator.putMedia(encryptMedia(new Uint8Array(10), 'image').data);
    emulator.phone.remember({ msgId: 'K', mediaKey: generateMediaKey(), directPath });
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('K'), { timeoutMs: 5000 });
    await signaling.send(retryReceipt('K', generateMediaKey()));
    expect(parseMediaRetryNotification(await waiting).result).toEqual({ kind: 'error', code: 3 });
  });

  it('answers a general error to a receipt addressed to someone else', async () => {
    const mediaKey = generateMediaKey();
    emulator.phone.remember({
      msgId: 'X',
      mediaKey,
      blob: encryptMedia(new Uint8Array(5), 'image', { mediaKey }).data,
    });
    const receipt = retryReceipt('X', mediaKey);
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('X'), { timeoutMs: 5000 });
    await signaling.send({
      ...receipt,
      attrs: { ...receipt.attrs, to: '19990000000@s.whatsapp.net' },
    });
    expect(parseMediaRetryNotification(await waiting).result).toEqual({ kind: 'error', code: 0 });
    expect(emulator.phone.requests[0]?.reason).toMatch(/own JID/);
  });

  it('can stay silent so waitFor times out quickly', async () => {
    emulator.setSignalingBehavior({ mediaRetry: 'ignore' });
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('S'), { timeoutMs: 100 });
    await signaling.send(retryReceipt('S', generateMediaKey()));
    await expect(waiting).rejects.toMatchObject({ name: 'EmulatorError', code: 'timeout' });
  });

  it('rejects pending waits when the connection closes', async () => {
    const waiting = signaling.waitFor(() => false);
    signaling.close();
    await expect(waiting).rejects.toMatchObject({ code: 'closed' });
    await expect(signaling.send(retryReceipt('Z', generateMediaKey()))).rejects.toMatchObject({
      code: 'closed',
    });
  });

  it('refuses an ownJid that is not a JID', () => {
    expect(() => emulator.signaling({ ownJid: 'nope' })).toThrow(/ownJid/);
  });
});

describe('malformed receipts', () => {
  it('answers a general error, with the reason recorded, instead of throwing', async () => {
    const signaling = emulator.signaling({ ownJid: OWN_JID });
    const mediaKey = generateMediaKey();
    const receipt = retryReceipt('M1', mediaKey);
    const content = (receipt.content as BinaryNode[]).map((child) =>
      child.tag === 'rmr' ? { ...child, attrs: { ...child.attrs, jid: 'a@b@c' } } : child,
    );
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('M1'), { timeoutMs: 5000 });
    await signaling.send({ ...receipt, content });
    expect(parseMediaRetryNotification(await waiting).result).toEqual({ kind: 'error', code: 0 });
    expect(emulator.phone.requests.at(-1)).toMatchObject({
      outcome: 'general-error',
      reason: '<rmr jid> is not a JID',
    });
    signaling.close();
  });
});
