// Slow senders cannot hold the store's download slots: the real client's low-speed rule ends a
// dripping CDN answer, so an honest media queued behind four drips is still stored.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeMediaClient } from '@wa-media/client/node';
import { encryptMedia } from '@wa-media/crypto';
import { Message } from '@wa-media/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createMediaStore, type MediaStore } from './index.js';
import { eventually } from './test-support/store-harness.js';

interface Blob {
  message: Message;
  plaintext: Uint8Array;
}

/** A CDN on 127.0.0.1: paths under `/drip/` send 1 byte every 200 ms, the others at once. */
async function startDrippingCdn(): Promise<{
  host: string;
  server: Server;
  dripRequests: () => number;
  add(path: string, data: Uint8Array): void;
}> {
  const blobs = new Map<string, Uint8Array>();
  let drips = 0;
  const drip = (res: ServerResponse, data: Uint8Array, sent: number): void => {
    if (res.destroyed) return;
    if (sent >= data.length) {
      res.end();
      return;
    }
    res.write(data.subarray(sent, sent + 1));
    setTimeout(() => drip(res, data, sent + 1), 200).unref();
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://cdn').pathname;
    const data = blobs.get(path);
    if (data === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': data.length,
    });
    if (!path.startsWith('/drip/')) {
      res.end(data);
      return;
    }
    drips++;
    res.flushHeaders();
    drip(res, data, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    server,
    dripRequests: () => drips,
    add: (path, data) => blobs.set(path, data),
  };
}

/** Encrypts random bytes as an image served at `path` and returns the message announcing it. */
function serveImage(cdn: Awaited<ReturnType<typeof startDrippingCdn>>, path: string): Blob {
  const plaintext = new Uint8Array(randomBytes(4000));
  const encrypted = encryptMedia(plaintext, 'image');
  cdn.add(path, encrypted.data);
  const message = Message.fromPartial({
    imageMessage: {
      url: `http://${cdn.host}${path}`,
      directPath: path,
      mimetype: 'image/jpeg',
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
      fileLength: BigInt(encrypted.fileLength),
    },
  });
  return { message, plaintext };
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const info = (n: number) => ({
  msgId: `3EB0SLOT${n}`,
  chatJid: '15550002222@s.whatsapp.net',
  isFromMe: false,
});

describe('download slots against dripping senders', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  let store: MediaStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('four drips fill the 4 slots, the low-speed rule frees them, the honest media is stored', async () => {
    const cdn = await startDrippingCdn();
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          cdn.server.close(() => resolve());
          cdn.server.closeAllConnections();
        }),
    );
    const dataDir = await mkdtemp(join(tmpdir(), 'wa-media-store-slots-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const client = createNodeMediaClient({
      cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: [cdn.host] },
      retry: { sameHostRetries: 0, baseDelayMs: 10, maxDelayMs: 50 },
      lowSpeed: { bytesPerSecond: 1024, seconds: 1 },
    });
    store = await createMediaStore({
      client,
      dataDir,
      concurrency: 4,
      hostDelayMs: 0,
      // One attempt each: a drip ends `failed`, so its slot is provably given back.
      retry: { maxAttempts: 1 },
    });

    const dripIds: string[] = [];
    for (let n = 0; n < 4; n++) {
      const media = serveImage(cdn, `/drip/slot-${n}.enc`);
      dripIds.push((await store.register(media.message, info(n))).id);
    }
    // All four slots are taken by drips before the honest media is even registered.
    await eventually(() => (cdn.dripRequests() >= 4 ? true : undefined), 5000, 'four drips');
    const honest = serveImage(cdn, '/honest/slot.enc');
    const started = Date.now();
    const { id } = await store.register(honest.message, info(99));

    await eventually(
      async () => ((await store!.get(id))?.status === 'downloaded' ? true : undefined),
      10_000,
      'the honest media stored',
    );
    // Bounded by the 1 s low-speed window (plus load), not by the drips' ~13 min of bytes.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readAll(await store.open(id))).toEqual(honest.plaintext);
    for (const dripId of dripIds) {
      const record = (await store.get(dripId))!;
      expect(record.status).toBe('failed');
      expect(record.error).toMatchObject({
        kind: 'network',
        details: expect.stringMatching(/all-hosts-failed/),
      });
    }
  });
});
