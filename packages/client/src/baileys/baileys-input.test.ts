// Baileys' own objects in, type-checked against its .d.ts (this file is compiled by
// `pnpm typecheck`): proto.IMessage with Long and null, whole WAMessages, BufferJSON.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@wa-media/protocol';
import { BufferJSON, proto, type WAMessage } from 'baileys';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withMediaFields } from '../download/downloadable.js';
import { isClientArgumentError } from '../errors.js';
import { createNodeMediaClient } from '../node.js';
import { reuploadFromKey } from '../reupload/from-key.js';
import {
  equalBytes,
  type Harness,
  MemoryWriter,
  seedMedia,
  startHarness,
} from '../test-support/harness.js';

const CHAT = '120363000000000001@g.us';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.emulator.reset());

/** A video as Baileys decodes it off the wire: protobufjs Longs and Buffers. */
function baileysVideo(seed: number): { plain: Uint8Array; msg: WAMessage; msgId: string } {
  const { plain, encrypted, stored } = seedMedia(h.emulator, 40_000, { type: 'video', seed });
  const msgId = `BAILEYS-${seed}`;
  const wire = proto.Message.encode({
    videoMessage: {
      directPath: stored.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
      fileLength: plain.length,
      mediaKeyTimestamp: 1_700_000_000,
      mimetype: 'video/mp4',
    },
  }).finish();
  const message = proto.Message.decode(wire);
  const msg: WAMessage = {
    key: {
      remoteJid: CHAT,
      fromMe: false,
      id: msgId,
      participantAlt: '15550003333@s.whatsapp.net',
    },
    message,
  };
  return { plain, msg, msgId };
}

describe('Baileys messages in', () => {
  it('downloads proto.IMessage as Baileys decodes it (Long fileLength, nulls)', async () => {
    const { plain, msg } = baileysVideo(1);
    const message: proto.IMessage = msg.message ?? {};
    expect(typeof message.videoMessage?.fileLength).toBe('object'); // a Long, not a number
    const bytes = await h.client.download(message);
    expect(equalBytes(bytes, plain)).toBe(true);
  });

  it('downloadToFile(WAMessage) recovers expired media by the key alone', async () => {
    const { plain, msg, msgId } = baileysVideo(2);
    const video = msg.message?.videoMessage;
    h.emulator.phone.remember({
      msgId,
      mediaKey: video?.mediaKey ?? new Uint8Array(),
      directPath: video?.directPath ?? '',
    });
    h.emulator.expireMedia(video?.directPath ?? '');
    const media = createNodeMediaClient({
      signaling: h.signaling,
      cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: h.emulator.hostnames },
    });
    const dir = mkdtempSync(join(tmpdir(), 'wa-baileys-'));
    try {
      const result = await media.downloadToFile(msg, join(dir, 'clip.mp4'));
      expect(equalBytes(readFileSync(join(dir, 'clip.mp4')), plain)).toBe(true);
      // The new path comes back, applied to the message, to persist like updateMediaMessage.
      const newPath = result.updatedMedia?.directPath;
      expect(newPath).toMatch(/^\//);
      expect(newPath).not.toBe(video?.directPath);
      expect(result.updatedMedia?.url).toBe(`https://mmg.whatsapp.net${newPath}`);
      const updated = result.updatedMessage?.videoMessage;
      expect(updated?.directPath).toBe(newPath);
      expect(updated?.fileLength).toBe(BigInt(plain.length));
      const asked = h.emulator.phone.requests.length;
      const again = await media.downloadToWriter(result.updatedMessage ?? {}, new MemoryWriter());
      expect(again.updatedMedia).toBeUndefined();
      expect(h.emulator.phone.requests.length).toBe(asked); // the phone is not asked again
    } finally {
      media.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('media inside groupStatusMessage / groupStatusMessageV2 (as Baileys encodes them)', async () => {
    const { plain, msg } = baileysVideo(6);
    for (const wrapper of ['groupStatusMessage', 'groupStatusMessageV2'] as const) {
      const wire = proto.Message.encode({ [wrapper]: { message: msg.message } }).finish();
      const bytes = await h.client.download(proto.Message.decode(wire));
      expect(equalBytes(bytes, plain)).toBe(true);
    }
  });

  it('media in a buttons or interactive message header (as Baileys encodes them)', async () => {
    const { plain, msg } = baileysVideo(7);
    const videoMessage = msg.message?.videoMessage ?? null;
    const shapes: proto.IMessage[] = [
      { buttonsMessage: { videoMessage, contentText: 'pick one' } },
      { interactiveMessage: { header: { title: 't', hasMediaAttachment: true, videoMessage } } },
    ];
    for (const shape of shapes) {
      const decoded = proto.Message.decode(proto.Message.encode(shape).finish());
      expect(equalBytes(await h.client.download(decoded), plain)).toBe(true);
    }
  });

  it('reuploadFromKey(msg.key) for a message passed apart from its key', async () => {
    const { plain, msg, msgId } = baileysVideo(4);
    const video = msg.message?.videoMessage;
    h.emulator.phone.remember({
      msgId,
      mediaKey: video?.mediaKey ?? new Uint8Array(),
      directPath: video?.directPath ?? '',
    });
    h.emulator.expireMedia(video?.directPath ?? '');
    const bytes = await h.client.download(msg.message ?? {}, {
      reupload: reuploadFromKey(msg.key),
    });
    expect(equalBytes(bytes, plain)).toBe(true);
    expect(() => reuploadFromKey({ fromMe: true })).toThrow(/needs an id/);
  });

  it('reads a WAMessage that went through BufferJSON (disk, queues, HTTP)', async () => {
    const { plain, msg } = baileysVideo(3);
    const revived = JSON.parse(JSON.stringify(msg, BufferJSON.replacer)) as WAMessage;
    const plainJson = JSON.parse(JSON.stringify(msg)) as WAMessage;
    for (const form of [revived, plainJson]) {
      const bytes = new Uint8Array(await new Response(h.client.downloadStream(form)).arrayBuffer());
      expect(equalBytes(bytes, plain)).toBe(true);
    }
  });

  it('a field that is not bytes is a ClientArgumentError naming it', () => {
    const bad = { imageMessage: { directPath: '/x', mediaKey: 12 } } as unknown as proto.IMessage;
    expect(() => h.client.download(bad)).toThrow(
      expect.objectContaining({ parameter: 'message.imageMessage.mediaKey' }),
    );
    try {
      h.client.download(bad);
    } catch (error) {
      expect(isClientArgumentError(error)).toBe(true);
    }
  });
});

describe('url-only messages (no directPath)', () => {
  it('download from the url, and a foreign host is never asked (its path goes to the CDN hosts)', async () => {
    const { plain, encrypted, stored } = seedMedia(h.emulator, 30_000, { type: 'image', seed: 9 });
    const fields = {
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
    };
    const own = await h.client.download({ imageMessage: { url: stored.url, ...fields } });
    expect(equalBytes(own, plain)).toBe(true);
    const path = new URL(stored.url);
    const foreign = `https://media.example.com${path.pathname}${path.search}`;
    const viaHosts = await h.client.download({ imageMessage: { url: foreign, ...fields } });
    expect(equalBytes(viaHosts, plain)).toBe(true);
  });

  it('no directPath and no usable url is still UnsupportedMessageError', () => {
    for (const url of [undefined, 'not a url', 'ftp://x/y', 'https://mmg.whatsapp.net/']) {
      expect(() =>
        h.client.download({
          imageMessage: { ...(url === undefined ? {} : { url }), mediaKey: new Uint8Array(32) },
        }),
      ).toThrow(expect.objectContaining({ name: 'UnsupportedMessageError' }));
    }
  });
});

describe('withMediaFields', () => {
  it('sets the new path inside wrappers and leaves the original untouched', () => {
    const original: Message = {
      ephemeralMessage: { message: { imageMessage: { directPath: '/old', url: 'https://x/old' } } },
    };
    const updated = withMediaFields(original, { directPath: '/new', url: 'https://y/new' });
    expect(updated.ephemeralMessage?.message?.imageMessage).toEqual({
      directPath: '/new',
      url: 'https://y/new',
    });
    expect(original.ephemeralMessage?.message?.imageMessage?.directPath).toBe('/old');
  });

  it('sets it in a buttons or interactive header', () => {
    const fields = { directPath: '/new', url: 'https://y/new' };
    const buttons = withMediaFields(
      { buttonsMessage: { imageMessage: { directPath: '/old' } } },
      fields,
    );
    expect(buttons.buttonsMessage?.imageMessage).toEqual(fields);
    const interactive = withMediaFields(
      { interactiveMessage: { header: { videoMessage: { directPath: '/old' } } } },
      fields,
    );
    expect(interactive.interactiveMessage?.header?.videoMessage).toEqual(fields);
  });
});
