// The control endpoint from another client: BinaryNode JSON, remote signalling (and its end when
// the emulator goes away), tokens and the routes.
import { randomBytes } from 'node:crypto';
import { decryptMediaRetry, encryptMedia, encryptMediaRetry } from '@wa-media/crypto';
import {
  type BinaryNode,
  buildMediaConnIq,
  buildServerErrorReceipt,
  decodeMediaRetryNotification,
  encodeServerErrorReceipt,
  isMediaRetryNotificationFor,
  parseMediaConn,
  parseMediaRetryNotification,
} from '@wa-media/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectEmulatorSignaling,
  type Emulator,
  type EmulatorSignaling,
  isEmulatorError,
  nodeFromJson,
  nodeToJson,
  startEmulator,
} from '../index.js';
import { rawRequest } from '../test-support/http.js';

const OWN_JID = '15550001111:3@s.whatsapp.net';
let emulator: Emulator;
let control: { url: string; token: string };
const open: EmulatorSignaling[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  control = emulator.control!;
});
afterAll(async () => {
  for (const signaling of open) signaling.close();
  await emulator.close();
});
beforeEach(() => emulator.reset());

async function connect(): Promise<EmulatorSignaling> {
  const signaling = await connectEmulatorSignaling(control.url, {
    ownJid: OWN_JID,
    token: control.token,
  });
  open.push(signaling);
  return signaling;
}

function post(path: string, body: unknown, token = control.token) {
  const bytes = Buffer.from(JSON.stringify(body));
  return rawRequest({
    url: `${control.url}${path}`,
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'Content-Length': bytes.length,
    },
    body: bytes,
  });
}

describe('BinaryNode JSON', () => {
  it('round-trips bytes, strings and children', () => {
    const node: BinaryNode = {
      tag: 'receipt',
      attrs: { id: 'x' },
      content: [
        { tag: 'enc_p', attrs: {}, content: new Uint8Array([0, 1, 255]) },
        { tag: 'text', attrs: {}, content: 'hi' },
        { tag: 'empty', attrs: {} },
      ],
    };
    const json = JSON.parse(JSON.stringify(nodeToJson(node)));
    expect(json.content[0].content).toEqual({ $b64: 'AAH/' });
    expect(nodeFromJson(json)).toEqual(node);
    expect(() => nodeFromJson({ tag: 'x', attrs: { a: 1 } })).toThrow(/node\.attrs\.a/);
  });
});

describe('remote signalling (connectEmulatorSignaling)', () => {
  it('answers media_conn queries over the control endpoint', async () => {
    const signaling = await connect();
    expect(signaling.ownJid()).toBe(OWN_JID);
    const conn = parseMediaConn(await signaling.query(buildMediaConnIq()));
    expect(conn.hosts.map((h) => h.hostname)).toEqual(emulator.hostnames);
    signaling.close();
  });

  it('relays the phone answer to a server-error receipt', async () => {
    const signaling = await connect();
    const plaintext = randomBytes(1000);
    const encrypted = encryptMedia(plaintext, 'image');
    const { directPath } = emulator.phone.remember({
      msgId: 'R1',
      mediaKey: encrypted.mediaKey,
      blob: encrypted.data,
    });
    const sealed = encryptMediaRetry({
      mediaKey: encrypted.mediaKey,
      messageId: 'R1',
      plaintext: encodeServerErrorReceipt('R1'),
    });
    const waiting = signaling.waitFor(isMediaRetryNotificationFor('R1'), { timeoutMs: 5000 });
    await signaling.send(
      buildServerErrorReceipt({
        msgId: 'R1',
        ownJid: OWN_JID,
        chatJid: '1555@s.whatsapp.net',
        isFromMe: true,
        ...sealed,
      }),
    );
    const parsed = parseMediaRetryNotification(await waiting);
    if (parsed.result.kind !== 'encrypted') throw new Error('expected encrypted');
    const answer = decodeMediaRetryNotification(
      decryptMediaRetry({ mediaKey: encrypted.mediaKey, messageId: 'R1', ...parsed.result }),
    );
    expect(answer.result).toBe('success');
    expect(answer.directPath).not.toBe(directPath);
    const res = await rawRequest({ url: emulator.downloadUrls(answer.directPath!)[0]! });
    expect(Buffer.compare(res.body, Buffer.from(encrypted.data))).toBe(0);
    signaling.close();
  });

  it('times out a query the emulator ignores, and rejects waits on close', async () => {
    const signaling = await connect();
    emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    const error = await signaling
      .query(buildMediaConnIq(), { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(isEmulatorError(error) && error.code).toBe('timeout');
    const waiting = signaling.waitFor(() => true, { timeoutMs: 5000 });
    signaling.close();
    await expect(waiting).rejects.toMatchObject({ code: 'closed' });
  });

  it('refuses a wrong token without echoing it', async () => {
    const error = await connectEmulatorSignaling(control.url, { token: 'wrong-token-123' }).catch(
      (e: unknown) => e,
    );
    expect(isEmulatorError(error) && error.code).toBe('control-failed');
    expect(isEmulatorError(error) && error.status).toBe(401);
    expect(String((error as Error).message)).not.toContain('wrong-token-123');
    expect((await post('/_faults', {}, 'nope')).status).toBe(401);
  });
});

describe('remote signalling when the emulator goes away', () => {
  it('rejects pending waits', async () => {
    const other = await startEmulator();
    const signaling = await connectEmulatorSignaling(other.control!.url, {
      token: other.control!.token,
      pollWaitMs: 1000,
    });
    const waiting = signaling.waitFor(() => true, { timeoutMs: 10_000 });
    await other.close();
    const error = await waiting.catch((e: unknown) => e);
    expect(isEmulatorError(error) && ['closed', 'control-failed'].includes(error.code)).toBe(true);
    signaling.close();
  });
});

describe('control endpoint', () => {
  it('installs faults, moves the clock and returns the log', async () => {
    const stored = emulator.putMedia(encryptMedia(new Uint8Array(100), 'image').data);
    const added = await post('/_faults', {
      on: 'download',
      fault: { kind: 'status', status: 429, retryAfterSec: 2 },
    });
    expect(added.status).toBe(200);
    const url = emulator.downloadUrls(stored.directPath)[0]!;
    const faulted = await rawRequest({ url });
    expect([faulted.status, faulted.headers['retry-after']]).toEqual([429, '2']);

    const clock = await post('/_clock', { advanceMs: 15 * 86_400_000 });
    expect(JSON.parse(clock.body.toString()).now).toBeGreaterThan(Date.now() + 14 * 86_400_000);
    expect((await rawRequest({ url })).status).toBe(404);

    const log = await rawRequest({
      url: `${control.url}/_log`,
      headers: { Authorization: `Bearer ${control.token}` },
    });
    const entries = JSON.parse(log.body.toString()).entries as { status: number }[];
    expect(entries.map((e) => e.status)).toEqual([429, 404]);
  });

  it('seeds media and phone memory from JSON ({"$b64"} bytes), for subprocess tests', async () => {
    const encrypted = encryptMedia(randomBytes(500), 'image');
    const put = await post('/_media', {
      bytes: { $b64: Buffer.from(encrypted.data).toString('base64') },
    });
    const media = JSON.parse(put.body.toString()) as { directPath: string; size: number };
    expect(media.size).toBe(encrypted.data.length);
    const got = await rawRequest({ url: emulator.downloadUrls(media.directPath)[0]! });
    expect(Buffer.compare(got.body, Buffer.from(encrypted.data))).toBe(0);

    const remembered = await post('/_phone/remember', {
      msgId: 'J1',
      mediaKey: { $b64: Buffer.from(encrypted.mediaKey).toString('base64') },
      directPath: media.directPath,
    });
    expect(remembered.status).toBe(200);
    const badKey = await post('/_phone/remember', {
      msgId: 'J2',
      mediaKey: { $b64: 'AAAA' },
      directPath: media.directPath,
    });
    expect(badKey.status).toBe(400);
    expect(JSON.parse(badKey.body.toString()).error.message).toMatch(/mediaKey must be 32 bytes/);
    expect((await post('/_media/expire', { directPath: media.directPath })).status).toBe(200);
    expect((await rawRequest({ url: emulator.downloadUrls(media.directPath)[0]! })).status).toBe(
      404,
    );
  });

  it('refuses a malformed fault with 400 and a message naming the field', async () => {
    const res = await post('/_faults', { fault: { kind: 'stall' } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).error.message).toMatch(/rule\.fault\.ms/);
  });
});
