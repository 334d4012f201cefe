// The store takes messages as Baileys users hold them: a WAMessage (its key says who and
// where), Long fileLength, and the BufferJSON form they keep on disk, also over POST /v1/media.
import { join } from 'node:path';
import { decodeMessage } from '@wa-media/protocol';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SeededMedia, seedImage } from './test-support/media-fixtures.js';
import { API_TOKEN, eventually, type Harness, startHarness } from './test-support/store-harness.js';

/** `media` as Baileys' BufferJSON writes a received WAMessage (bytes base64, Long as words). */
function bufferJsonWAMessage(media: SeededMedia): Record<string, unknown> {
  const image = media.message.imageMessage!;
  const buffer = (bytes: Uint8Array | undefined) => ({
    type: 'Buffer',
    data: Buffer.from(bytes ?? []).toString('base64'),
  });
  return {
    key: { remoteJid: media.chatJid, fromMe: false, id: media.msgId, participant: null },
    messageTimestamp: { low: 1_700_000_000, high: 0, unsigned: true },
    message: {
      imageMessage: {
        url: image.url,
        directPath: image.directPath,
        mimetype: 'image/jpeg',
        mediaKey: buffer(image.mediaKey),
        fileSha256: buffer(image.fileSha256),
        fileEncSha256: buffer(image.fileEncSha256),
        fileLength: { low: Number(image.fileLength), high: 0, unsigned: true },
        caption: null,
      },
    },
  };
}

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const downloaded = (id: string) =>
  eventually(async () => ((await h.store.get(id))?.status === 'downloaded' ? true : undefined));

describe('store.register with Baileys shapes', () => {
  it('register(WAMessage) needs no info and stores the media', async () => {
    const media = seedImage(h.emulator);
    const { id, created } = await h.store.register(bufferJsonWAMessage(media));
    expect(created).toBe(true);
    await downloaded(id);
    expect(await h.store.get(id)).toMatchObject({ msgId: media.msgId, chatJid: media.chatJid });
  });

  it('takes a plain object with a number fileLength (the shape upload() gives)', async () => {
    const media = seedImage(h.emulator);
    const image = media.message.imageMessage!;
    const message = { imageMessage: { ...image, fileLength: Number(image.fileLength) } };
    const { id } = await h.store.register(message, {
      msgId: media.msgId,
      chatJid: media.chatJid,
      isFromMe: false,
    });
    await downloaded(id);
  });

  it('names the field that is not bytes, and asks for info without a key', async () => {
    const media = seedImage(h.emulator);
    const bad = bufferJsonWAMessage(media);
    (bad.message as { imageMessage: Record<string, unknown> }).imageMessage.mediaKey = 7;
    await expect(h.store.register(bad)).rejects.toMatchObject({
      name: 'InvalidMediaInputError',
      parameter: 'message.message.imageMessage.mediaKey',
    });
    await expect(h.store.register(media.message)).rejects.toMatchObject({ parameter: 'info' });
  });
});

describe('media that came back by reupload', () => {
  it('keeps the new path in the stored message, so the phone is not asked again', async () => {
    const media = seedImage(h.emulator);
    h.emulator.expireMedia(media.directPath);
    const { id } = await h.store.register(bufferJsonWAMessage(media));
    await downloaded(id);
    expect(h.emulator.phone.requests).toHaveLength(1);
    const db = new Database(join(h.dataDir, 'store.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT message FROM media WHERE id = ?').get(id) as {
        message: Buffer;
      };
      const stored = decodeMessage(new Uint8Array(row.message)).imageMessage;
      expect(stored?.directPath).toMatch(/^\//);
      expect(stored?.directPath).not.toBe(media.directPath);
      expect(stored?.mediaKey).toEqual(media.mediaKey);
    } finally {
      db.close();
    }
  });
});

describe('POST /v1/media with Baileys shapes', () => {
  let api: { url: string; close(): Promise<void> };
  beforeEach(async () => {
    api = await h.store.listen({ token: API_TOKEN });
  });
  afterEach(() => api.close());
  const post = (body: unknown) =>
    fetch(`${api.url}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('registers a BufferJSON WAMessage body, and a JSON message with explicit info', async () => {
    const first = seedImage(h.emulator);
    const answer = await post(bufferJsonWAMessage(first));
    expect(answer.status).toBe(201);
    const { media_items } = (await answer.json()) as { media_items: { id: string }[] };
    await downloaded(media_items[0]!.id);
    expect(await h.store.get(media_items[0]!.id)).toMatchObject({ msgId: first.msgId });

    const second = seedImage(h.emulator);
    const json = bufferJsonWAMessage(second);
    const explicit = await post({
      message: json.message,
      msgId: second.msgId,
      chatJid: second.chatJid,
      isFromMe: false,
    });
    expect(explicit.status).toBe(201);
  });

  it('a malformed field is a 400 that names it', async () => {
    const body = bufferJsonWAMessage(seedImage(h.emulator));
    (body.message as { imageMessage: Record<string, unknown> }).imageMessage.fileLength = 'many';
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(await answer.json())).toContain(
      'message.message.imageMessage.fileLength',
    );
  });
});
