// kill -9 of a real `wa-media serve` mid-download, then a restart on the same data directory:
// the download completes with one record, one file and one webhook. The emulator runs in this
// process (its control endpoint feeds the served client), so the test can throttle its CDN.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { Message } from '@wa-media/protocol';
import { verifyWebhookSignature } from '@wa-media/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CliServer, startCli } from './test-support/run-cli.js';
import { registerMedia } from './test-support/store-api.js';

const API_TOKEN = 'serve-crash-token-0123456789';
const WEBHOOK_SECRET = 'serve-crash-webhook-secret-0123';

interface Delivery {
  rawBody: string;
  headers: IncomingHttpHeaders;
}

/** A real webhook receiver on 127.0.0.1 that accepts and records every delivery. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      deliveries.push({ rawBody: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/media`, deliveries, server };
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string) {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('wa-media serve killed with SIGKILL mid-download', () => {
  let emulator: Emulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dir: string;
  const servers: CliServer[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ hosts: 2 });
    receiver = await startReceiver();
    dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-serve-crash-'));
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
    await new Promise<void>((resolve) => {
      receiver.server.close(() => resolve());
      receiver.server.closeAllConnections();
    });
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(dataDir: string): Promise<{ server: CliServer; url: string }> {
    const control = emulator.control!;
    const server = startCli([
      'serve',
      '--json',
      '--data-dir',
      dataDir,
      '--token',
      API_TOKEN,
      '--emulator',
      control.url,
      '--emulator-token',
      control.token,
      '--webhook-url',
      receiver.url,
      '--webhook-secret',
      WEBHOOK_SECRET,
    ]);
    servers.push(server);
    const { url } = JSON.parse(await server.firstLine) as { url: string };
    return { server, url };
  }

  const call = (url: string, path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${API_TOKEN}`, 'Content-Type': 'application/json' },
    });

  it('restarts on the same data directory and completes: one record, one file, one webhook', async () => {
    const dataDir = join(dir, 'store');
    const blobs = join(dataDir, 'blobs');
    const plaintext = new Uint8Array(randomBytes(400_000));
    const encrypted = encryptMedia(plaintext, 'image');
    const stored = emulator.putMedia(encrypted.data, { mmsType: 'image' });
    const message = Message.fromPartial({
      imageMessage: {
        url: stored.url,
        directPath: stored.directPath,
        mimetype: 'image/jpeg',
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
        fileLength: BigInt(encrypted.fileLength),
      },
    });
    // ~4 s for the first download, so the kill lands mid-body; later downloads run at full speed.
    emulator.faults.add({
      on: 'download',
      times: 1,
      fault: { kind: 'throttle', bytesPerSec: 100_000 },
    });

    const first = await serve(dataDir);
    const id = await registerMedia(first.url, API_TOKEN, message, '3EB0SERVECRASH0001');

    // Mid-download: bytes are streaming into the client's temp file beside the blob.
    await eventually(async () => {
      for (const name of await readdir(blobs)) {
        // The client's temp file: `.<id>.<random>.part` (renamed to `<id>` once verified).
        if (name.includes(id) && name !== id && (await stat(join(blobs, name))).size > 0) {
          return true;
        }
      }
      return undefined;
    }, 'a partly written download');
    const killed = await first.server.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(receiver.deliveries).toHaveLength(0);
    expect(await readdir(blobs)).not.toContain(id);

    const second = await serve(dataDir);
    await eventually(() => (receiver.deliveries.length > 0 ? true : undefined), 'the webhook');
    const [hook] = receiver.deliveries;
    expect(verifyWebhookSignature(hook!.rawBody, hook!.headers, WEBHOOK_SECRET)).toBe(true);
    expect(JSON.parse(hook!.rawBody)).toEqual({
      media_items: [
        {
          image: {
            id,
            mime_type: 'image/jpeg',
            sha256: Buffer.from(encrypted.fileSha256).toString('hex'),
            status: 'downloaded',
          },
          type: 'image',
        },
      ],
    });

    const list = (await (await call(second.url, '/v1/media')).json()) as {
      media_items: { id: string; status: string }[];
    };
    expect(list.media_items).toEqual([expect.objectContaining({ id, status: 'downloaded' })]);
    expect(await readdir(blobs)).toEqual([id]);
    const bytes = new Uint8Array(await (await call(second.url, `/v1/media/${id}`)).arrayBuffer());
    expect(Buffer.from(bytes).equals(Buffer.from(plaintext))).toBe(true);
    // No second webhook turns up later, and the served process stops cleanly.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.deliveries).toHaveLength(1);
    const stopped = await second.server.stop('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(0);
  });
});
