import { EventEmitter } from 'node:events';

import type { BinaryNode } from '@wa-media/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import {
  equalBytes,
  type Harness,
  OWN_JID,
  startHarness,
  testBytes,
} from '../test-support/harness.js';
import { type BaileysSocketLike, fromBaileysSocket, SignalingTimeoutError } from './baileys.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ media: { expiredStatus: 410 } });
});
afterAll(() => h.close());

/**
 * A stand-in with the public shape of a Baileys socket, wired to the emulator's signalling
 * peer: incoming nodes are emitted on `ws` as 'frame' and 'CB:<tag>' like Baileys does.
 */
function standInSocket(user: { id?: string } | undefined = { id: OWN_JID }) {
  const inner = h.emulator.signaling({ ownJid: OWN_JID });
  const ws = new EventEmitter();
  const ev = new EventEmitter();
  let running = true;
  void (async () => {
    while (running) {
      const node = await inner.waitFor(() => true, { timeoutMs: 60_000 }).catch(() => undefined);
      if (node === undefined) break;
      ws.emit('frame', node);
      ws.emit(`CB:${node.tag}`, node);
    }
  })();
  const sent: BinaryNode[] = [];
  const sock: BaileysSocketLike = {
    ws,
    ev,
    user,
    query: (node, timeoutMs) => inner.query(node, timeoutMs === undefined ? {} : { timeoutMs }),
    sendNode: async (node) => {
      sent.push(node);
      await inner.send(node);
    },
  };
  return {
    sock,
    ws,
    ev,
    sent,
    stop() {
      running = false;
      inner.close();
    },
  };
}

describe('fromBaileysSocket', () => {
  it('uploads, downloads and re-requests media through a Baileys-shaped socket', async () => {
    const stand = standInSocket();
    const signaling = fromBaileysSocket(stand.sock);
    const client = createMediaClient({
      signaling,
      http: h.http,
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
    try {
      const plain = testBytes(40_000, 11);
      const uploaded = await client.upload(plain, 'image');
      const params = {
        type: 'image' as const,
        directPath: uploaded.directPath,
        mediaKey: uploaded.mediaKey,
        fileSha256: uploaded.fileSha256,
        fileEncSha256: uploaded.fileEncSha256,
      };
      expect(equalBytes(await client.download(params), plain)).toBe(true);

      h.emulator.phone.remember({
        msgId: '3EB0BAIL',
        mediaKey: uploaded.mediaKey as Uint8Array,
        directPath: uploaded.directPath,
      });
      h.emulator.expireMedia(uploaded.directPath);
      const bytes = await client.download(params, {
        reupload: { msgId: '3EB0BAIL', chatJid: '15550003333@s.whatsapp.net', isFromMe: true },
      });
      expect(equalBytes(bytes, plain)).toBe(true);
      const receipt = stand.sent.find((node) => node.tag === 'receipt');
      expect(receipt?.attrs.type).toBe('server-error');
      expect(receipt?.attrs.to).toBe('15550001111@s.whatsapp.net');
    } finally {
      signaling.close();
      stand.stop();
    }
  });

  it('reports disconnects (connection.update close and ws close) so media_conn is dropped', async () => {
    const stand = standInSocket();
    const signaling = fromBaileysSocket(stand.sock);
    const client = createMediaClient({
      signaling,
      http: h.http,
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
    try {
      await client.mediaConn.get();
      stand.ev.emit('connection.update', { connection: 'close' });
      expect(client.mediaConn.peek()).toBeUndefined();
      await client.mediaConn.get();
      stand.ws.emit('close');
      expect(client.mediaConn.peek()).toBeUndefined();
      client.close();
      await client.mediaConn.get();
      stand.ws.emit('close');
      expect(client.mediaConn.peek()).toBeDefined();
    } finally {
      signaling.close();
      stand.stop();
    }
  });

  it('ownJid comes from sock.user.id; a query answered with undefined (Baileys timeout) rejects typed', async () => {
    const ws = new EventEmitter();
    const sock: BaileysSocketLike = {
      ws,
      user: undefined,
      query: async () => undefined,
      sendNode: async () => {},
    };
    const signaling = fromBaileysSocket(sock, { timeoutMs: 50 });
    expect(signaling.ownJid()).toBeUndefined();
    sock.user = { id: OWN_JID };
    expect(signaling.ownJid()).toBe(OWN_JID);
    await expect(signaling.query({ tag: 'iq', attrs: {} })).rejects.toBeInstanceOf(
      SignalingTimeoutError,
    );
    await expect(signaling.waitFor(() => true)).rejects.toBeInstanceOf(SignalingTimeoutError);
    const controller = new AbortController();
    const waiting = signaling.waitFor((node) => node.attrs.id === 'x', {
      signal: controller.signal,
      timeoutMs: 5000,
    });
    ws.emit('frame', { tag: 'notification', attrs: { id: 'y' } });
    ws.emit('frame', new Uint8Array(3));
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    const matched = signaling.waitFor((node) => node.attrs.id === 'z');
    ws.emit('frame', { tag: 'notification', attrs: { id: 'z' } });
    expect((await matched).attrs.id).toBe('z');
    signaling.close();
    expect(ws.listenerCount('frame')).toBe(0);
  });
});
