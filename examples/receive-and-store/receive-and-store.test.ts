// The example with a stand-in for a Baileys socket (the public surface the client uses, wired to
// the emulator's signalling peer). A media message arrives as Baileys delivers it
// (`messages.upsert` with a WAMessage): the store keeps exactly its plaintext, even though the
// CDN copy had expired — the phone was asked through the socket (a server-error receipt out,
// the mediaretry notification back as a 'frame'). A text message is not registered.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BaileysSocketLike } from '@wa-media/client';
import { encryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { type BinaryNode, encodeMessage, type Message } from '@wa-media/protocol';
import { proto, type WAMessage, type WASocket } from 'baileys';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type MediaArchive, main } from './receive-and-store.js';

const OWN_JID = '15550001111:2@s.whatsapp.net';
const CHAT = '15550005555@s.whatsapp.net';

/** `ws` emits every node the peer sends as 'frame', `ev` carries Baileys' events. */
function standInSocket(emulator: Emulator) {
  const inner = emulator.signaling({ ownJid: OWN_JID });
  const ws = new EventEmitter();
  const ev = new EventEmitter();
  const sent: BinaryNode[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const node = await inner.waitFor(() => true, { timeoutMs: 60_000 }).catch(() => undefined);
      if (node === undefined) break;
      ws.emit('frame', node);
    }
  })();
  const sock: BaileysSocketLike = {
    ws,
    ev,
    user: { id: OWN_JID },
    query: (node, timeoutMs) => inner.query(node, timeoutMs === undefined ? {} : { timeoutMs }),
    sendNode: async (node) => {
      sent.push(node);
      await inner.send(node);
    },
  };
  return {
    sock,
    sent,
    deliver: (messages: WAMessage[]) => ev.emit('messages.upsert', { type: 'notify', messages }),
    stop() {
      running = false;
      inner.close();
    },
  };
}

/** What Baileys hands over: its own protobuf object, decoded from the wire bytes. */
function asBaileys(id: string, message: Message): WAMessage {
  return {
    key: { remoteJid: CHAT, fromMe: false, id },
    message: proto.Message.decode(encodeMessage(message)),
  };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('examples/receive-and-store', () => {
  let emulator: Emulator;
  let dir: string;
  let stand: ReturnType<typeof standInSocket>;
  let archive: MediaArchive;

  beforeAll(async () => {
    emulator = await startEmulator({ control: false });
    dir = mkdtempSync(join(tmpdir(), 'wa-media-example-'));
    stand = standInSocket(emulator);
    archive = await main({
      sock: stand.sock,
      dataDir: join(dir, 'store'),
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
  });
  afterAll(async () => {
    await archive?.close();
    stand?.stop();
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes a real Baileys socket (WASocket fits the adapter's socket type)", () => {
    expectTypeOf<WASocket>().toMatchTypeOf<BaileysSocketLike>();
  });

  it('keeps an expired image from a messages.upsert, re-requested through the socket', async () => {
    const photo = new Uint8Array(randomBytes(120_000));
    const encrypted = encryptMedia(photo, 'image');
    const { directPath } = emulator.putMedia(encrypted.data, { mmsType: 'image' });
    emulator.phone.remember({ msgId: '3EB0RECV1', mediaKey: encrypted.mediaKey, directPath });
    emulator.expireMedia(directPath);

    stand.deliver([
      asBaileys('3EB0TEXT1', { extendedTextMessage: { text: 'look at this' } }),
      asBaileys('3EB0RECV1', {
        imageMessage: {
          directPath,
          mediaKey: encrypted.mediaKey,
          fileSha256: encrypted.fileSha256,
          fileEncSha256: encrypted.fileEncSha256,
          fileLength: BigInt(encrypted.fileLength),
          mimetype: 'image/jpeg',
          caption: 'look at this',
        },
      }),
    ]);

    const record = await until(async () => {
      const found = (await archive.store.list()).find((entry) => entry.msgId === '3EB0RECV1');
      return found?.status === 'downloaded' ? found : undefined;
    }, 'the image to be stored');
    const stream = await archive.store.open(record.id);
    const stored = Buffer.from(await new Response(stream).arrayBuffer());
    expect(stored.equals(Buffer.from(photo))).toBe(true);

    expect((await archive.store.list()).map((entry) => entry.msgId)).toEqual(['3EB0RECV1']);
    expect(
      stand.sent.filter((node) => node.tag === 'receipt').map((node) => node.attrs.type),
    ).toEqual(['server-error']);
    expect(emulator.phone.requests.map((request) => request.outcome)).toEqual(['success']);
  });
});
