// The media store end to end against the emulator.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from './index.js';
import { receivedIn, seedImage } from './test-support/media-fixtures.js';
import {
  eventually,
  type Harness,
  startHarness,
  WEBHOOK_SECRET,
} from './test-support/store-harness.js';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const DAY_MS = 86_400_000;

describe('media store against the emulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('register → verified file stored → signed webhook in the WhatsApp Business API shape', async () => {
    const media = seedImage(h.emulator);
    const { id, created } = await h.store.register(media.message, receivedIn(media));
    expect(created).toBe(true);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const [hook] = await h.receiver.waitFor(1);
    expect(verifyWebhookSignature(hook!.rawBody, hook!.headers, WEBHOOK_SECRET)).toBe(true);
    expect(verifyWebhookSignature(hook!.rawBody, hook!.headers, 'wrong-secret-0123456789')).toBe(
      false,
    );
    expect(hook!.body).toEqual({
      media_items: [
        {
          image: {
            id,
            mime_type: 'image/jpeg',
            sha256: hex(media.fileSha256),
            status: 'downloaded',
          },
          type: 'image',
        },
      ],
    });
    expect(hook!.headers['x-wa-media-event-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(hook!.headers['x-wa-media-timestamp'])).toBeGreaterThan(1_600_000_000);
    // The timestamp is signed: the same delivery presented later with a fresh one is refused.
    expect(
      verifyWebhookSignature(
        hook!.rawBody,
        {
          ...hook!.headers,
          'x-wa-media-timestamp': String(Number(hook!.headers['x-wa-media-timestamp']) + 600),
        },
        WEBHOOK_SECRET,
        { nowMs: (Number(hook!.headers['x-wa-media-timestamp']) + 600) * 1000 },
      ),
    ).toBe(false);

    const record = (await h.store.get(id))!;
    expect(record).toMatchObject({
      status: 'downloaded',
      type: 'image',
      size: media.plaintext.length,
      attempts: 1,
    });
    expect(record.sha256).toBe(hex(media.fileSha256));
    expect(await readAll(await h.store.open(id))).toEqual(media.plaintext);
    expect(await h.blobFiles()).toEqual([id]);

    // Idempotent: the same message again is the same record, no new download or webhook.
    const again = await h.store.register(media.message, receivedIn(media));
    expect(again).toEqual({ id, created: false });
    expect(await h.store.list()).toHaveLength(1);
    expect(h.client.calls).toBe(1);
    expect((await h.store.status()).outcomes).toMatchObject({ downloaded: 1, failed: 0 });
  });

  it('past the CDN window (emulator clock) asks the phone to re-upload, then stores', async () => {
    const media = seedImage(h.emulator);
    h.emulator.clock.advance(15 * DAY_MS);
    const { id } = await h.store.register(media.message, receivedIn(media));
    const [hook] = await h.receiver.waitFor(1);
    expect(
      (hook!.body as { media_items: { image: { status: string } }[] }).media_items[0]!.image.status,
    ).toBe('downloaded');
    expect(h.emulator.phone.requests).toEqual([
      expect.objectContaining({ msgId: media.msgId, outcome: 'success' }),
    ]);
    expect(h.emulator.phone.requests).toHaveLength(1);
    expect(await readAll(await h.store.open(id))).toEqual(media.plaintext);
  });

  it('a final failure sends the completion-failure webhook; retryDownload then stores it', async () => {
    const media = seedImage(h.emulator, { remember: false });
    h.emulator.expireMedia(media.directPath);
    const { id } = await h.store.register(media.message, receivedIn(media));
    const [failed] = await h.receiver.waitFor(1);
    expect(failed!.body).toEqual({
      media_items: [
        {
          errors: [
            {
              code: 400,
              title: 'Parameter not valid',
              details: expect.stringMatching(
                /^Media not found in the datastore\. .*sender's phone no longer has it/,
              ),
            },
          ],
          image: { id, mime_type: 'image/jpeg', sha256: hex(media.fileSha256), status: 'failed' },
          type: 'image',
        },
      ],
    });
    expect(await h.store.get(id)).toMatchObject({
      status: 'failed',
      // Signalling is there and the phone answered "not found": exactly this kind, final.
      error: { kind: 'reupload-not-found', code: 400 },
      attempts: 1,
    });
    await expect(h.store.open(id)).rejects.toMatchObject({
      name: 'MediaNotReadyError',
      code: 'not-downloaded',
    });
    expect(await h.blobFiles()).toEqual([]);

    expect(h.emulator.phone.requests).toEqual([
      expect.objectContaining({ msgId: media.msgId, outcome: 'not-found' }),
    ]);
    // The phone finds the media again: the retry-download stores it.
    h.emulator.phone.remember({
      msgId: media.msgId,
      mediaKey: media.mediaKey,
      directPath: media.directPath,
      chatJid: media.chatJid,
    });
    await h.store.retryDownload(id);
    const hooks = await h.receiver.waitFor(2);
    expect(
      (hooks[1]!.body as { media_items: { image: { status: string } }[] }).media_items[0]!.image
        .status,
    ).toBe('downloaded');
    expect(hooks[1]!.headers['x-wa-media-event-id']).not.toBe(
      hooks[0]!.headers['x-wa-media-event-id'],
    );
    expect(await readAll(await h.store.open(id))).toEqual(media.plaintext);
    expect(await h.store.get(id)).toMatchObject({ status: 'downloaded' });
    expect((await h.store.get(id))!.error).toBeUndefined();
    expect((await h.store.status()).outcomes).toMatchObject({
      downloaded: 1,
      failed: 1,
      retried: 1,
    });
  });

  it('transient CDN failures are retried with backoff until stored', async () => {
    const media = seedImage(h.emulator);
    h.emulator.faults.add({ on: 'download', times: 2, fault: { kind: 'status', status: 503 } });
    const { id } = await h.store.register(media.message, receivedIn(media));
    await h.receiver.waitFor(1);
    // Attempt 1 met both faults (one per host), attempt 2 succeeded.
    expect(await h.store.get(id)).toMatchObject({ status: 'downloaded', attempts: 2 });
    expect((await h.store.status()).outcomes.attemptFailures).toBe(1);
  });

  it('bytes that fail verification on every host are never stored; the record fails after its attempts', async () => {
    const media = seedImage(h.emulator);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'flip', offset: 100 },
    });
    const { id } = await h.store.register(media.message, receivedIn(media));
    const [hook] = await h.receiver.waitFor(1);
    expect(
      (hook!.body as { media_items: { errors: { code: number }[] }[] }).media_items[0]!.errors[0]!
        .code,
    ).toBe(1000);
    expect(await h.store.get(id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { kind: 'integrity' },
    });
    expect(await h.blobFiles()).toEqual([]);
  });

  it('webhook deliveries are retried until the receiver accepts, with the same event id', async () => {
    h.receiver.failNext(2, 503);
    const media = seedImage(h.emulator);
    await h.store.register(media.message, receivedIn(media));
    const hooks = await h.receiver.waitFor(3);
    expect(new Set(hooks.map((hook) => hook.headers['x-wa-media-event-id'])).size).toBe(1);
    expect(hooks.map((hook) => hook.headers['x-wa-media-delivery-attempt'])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(hooks.every((hook) => hook.rawBody === hooks[0]!.rawBody)).toBe(true);
    await eventually(async () =>
      (await h.store.status()).webhooks.delivered === 1 ? true : undefined,
    );
    expect((await h.store.status()).webhooks).toEqual({ pending: 0, delivered: 1, dead: 0 });
  });

  it('delete removes record, file and queued work', async () => {
    const media = seedImage(h.emulator);
    const { id } = await h.store.register(media.message, receivedIn(media));
    await h.receiver.waitFor(1);
    expect(await h.store.delete(id)).toBe(true);
    expect(await h.store.get(id)).toBeUndefined();
    expect(await h.blobFiles()).toEqual([]);
    expect(await h.store.delete(id)).toBe(false);
    await expect(h.store.open(id)).rejects.toMatchObject({ name: 'MediaNotFoundError' });
    await expect(h.store.retryDownload(id)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('a store closed mid-download resumes on reopen: one record, one file, one webhook', async () => {
    const media = seedImage(h.emulator, { size: 120_000 });
    h.emulator.faults.add({
      on: 'download',
      times: 1,
      fault: { kind: 'throttle', bytesPerSec: 40_000 },
    });
    const { id } = await h.store.register(media.message, receivedIn(media));
    await eventually(async () =>
      (await h.store.get(id))?.status === 'downloading' ? true : undefined,
    );
    await h.store.close();
    const reopened = await h.reopen();
    await h.receiver.waitFor(1);
    expect(await reopened.get(id)).toMatchObject({ status: 'downloaded' });
    expect(await reopened.list()).toHaveLength(1);
    expect(await h.blobFiles()).toEqual([id]);
    const digest = createHash('sha256')
      .update(await readAll(await reopened.open(id)))
      .digest();
    expect(hex(digest)).toBe(hex(media.fileSha256));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(h.receiver.received).toHaveLength(1);
  });
});
