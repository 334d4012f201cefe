// The example against the emulator: the store's API registers a message over HTTP (the same key
// twice gives the same id), downloads it in the background and serves exactly the plaintext;
// media that already left the CDN is re-requested from the sender's phone and stored anyway;
// a wrong bearer token is refused.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import type { Message } from '@wa-media/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fetchMedia,
  main,
  registerMedia,
  type StoreServer,
  waitUntilStored,
} from './store-server.js';

const API_TOKEN = 'example-api-token-0123456789';
const CHAT = '15550004444@s.whatsapp.net';

describe('examples/store-server', () => {
  let emulator: Emulator;
  let dir: string;
  let server: StoreServer;

  /** An encrypted image on the emulated CDN and the message that points at it. */
  function receivedImage(bytes: Uint8Array): {
    message: Message;
    directPath: string;
    mediaKey: Uint8Array;
  } {
    const encrypted = encryptMedia(bytes, 'image');
    const { directPath } = emulator.putMedia(encrypted.data, { mmsType: 'image' });
    const message: Message = {
      imageMessage: {
        directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
        fileLength: BigInt(encrypted.fileLength),
        mimetype: 'image/jpeg',
      },
    };
    return { message, directPath, mediaKey: encrypted.mediaKey };
  }

  beforeAll(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'wa-media-example-'));
    server = await main({
      emulator: emulator.control as { url: string; token: string },
      dataDir: join(dir, 'store'),
      apiToken: API_TOKEN,
    });
  });
  afterAll(async () => {
    await server?.close();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = () => ({ url: server.url, token: API_TOKEN });

  it('registers a message over HTTP, stores it and serves the verified bytes', async () => {
    const photo = new Uint8Array(randomBytes(200_000));
    const { message } = receivedImage(photo);
    const key = { msgId: '3EB0STORE1', chatJid: CHAT, isFromMe: false };
    const id = await registerMedia(api(), message, key);
    expect(await registerMedia(api(), message, key)).toBe(id);

    const record = await waitUntilStored(api(), id);
    expect(record).toMatchObject({
      id,
      status: 'downloaded',
      mime_type: 'image/jpeg',
      size: photo.length,
    });
    expect(Buffer.from(await fetchMedia(api(), id)).equals(Buffer.from(photo))).toBe(true);
  });

  it('stores media that left the CDN by asking the sender phone to upload it again', async () => {
    const photo = new Uint8Array(randomBytes(50_000));
    const { message, directPath, mediaKey } = receivedImage(photo);
    emulator.phone.remember({ msgId: '3EB0STORE2', mediaKey, directPath });
    emulator.expireMedia(directPath);

    const id = await registerMedia(api(), message, {
      msgId: '3EB0STORE2',
      chatJid: CHAT,
      isFromMe: false,
    });
    await waitUntilStored(api(), id);
    expect(Buffer.from(await fetchMedia(api(), id)).equals(Buffer.from(photo))).toBe(true);
    expect(emulator.phone.requests.map((request) => [request.msgId, request.outcome])).toEqual([
      ['3EB0STORE2', 'success'],
    ]);
  });

  it('refuses a wrong bearer token', async () => {
    await expect(
      fetchMedia({ url: server.url, token: 'wrong-token-0123456789' }, 'x'),
    ).rejects.toThrow(/HTTP 401/);
  });
});
