// A store left to strangers: a webhook receiver that answers without end, deletes racing a
// running download, local users reading its files, API callers asking again and again.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { receivedIn, registerBody, seedImage } from './test-support/media-fixtures.js';
import {
  API_TOKEN,
  eventually,
  type Harness,
  OWN_JID,
  startHarness,
  WEBHOOK_SECRET,
} from './test-support/store-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

const fixture = fileURLToPath(new URL('./test-support/serve-fixture.ts', import.meta.url));
const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));

/** A receiver that accepts with 200, then sends body bytes until the sender hangs up (≤ 400 MiB). */
async function startFloodingReceiver(): Promise<{
  url: string;
  server: Server;
  sent: () => number;
  hungUp: Promise<void>;
}> {
  let sent = 0;
  let hangUp: () => void = () => undefined;
  const hungUp = new Promise<void>((resolve) => {
    hangUp = resolve;
  });
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    const pump = (): void => {
      while (!res.destroyed && sent < 400 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('close', () => hangUp());
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, server, sent: () => sent, hungUp };
}

describe('media store against hostile peers', () => {
  let h: Harness | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a webhook receiver answering 400 MiB: a few KiB are read, the delivery counts, memory stays flat', async () => {
    const flood = await startFloodingReceiver();
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          flood.server.close(() => resolve());
          flood.server.closeAllConnections();
        }),
    );
    h = await startHarness({ webhook: { url: flood.url, secret: WEBHOOK_SECRET } });
    const media = seedImage(h.emulator);
    const rssBefore = process.memoryUsage().rss;
    await h.store.register(media.message, receivedIn(media));
    const store = h.store;
    await eventually(async () =>
      (await store.status()).webhooks.delivered === 1 ? true : undefined,
    );
    await flood.hungUp;
    // What the kernel's socket buffers took before the store hung up, not 400 MiB.
    expect(flood.sent()).toBeLessThan(16 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('delete while downloading cancels for good: no second download, no media retry, no file', async () => {
    h = await startHarness();
    const harness = h;
    // Slow enough to still be running when the delete comes.
    harness.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'throttle', bytesPerSec: 50_000 },
    });
    const media = seedImage(harness.emulator, { size: 300_000 });
    const { id } = await harness.store.register(media.message, receivedIn(media));
    await eventually(async () =>
      (await harness.store.get(id))?.status === 'downloading' ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await harness.store.delete(id)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(harness.client.calls).toBe(1);
    expect(harness.emulator.phone.requests).toHaveLength(0);
    expect((await harness.store.status()).queue).toEqual({ pending: 0, due: 0, running: 0 });
    expect(await harness.store.get(id)).toBeUndefined();
    expect(await harness.blobFiles()).toEqual([]);
  });

  it("expired media whose retry meets someone else's answers first is still stored, not failed", async () => {
    h = await startHarness();
    const harness = h;
    harness.emulator.setSignalingBehavior({ mediaRetry: 'foreign' });
    const media = seedImage(harness.emulator);
    harness.emulator.expireMedia(media.directPath);
    const { id } = await harness.store.register(media.message, receivedIn(media));
    await harness.receiver.waitFor(1);
    const record = await harness.store.get(id);
    expect(record?.error, JSON.stringify(record?.error)).toBeUndefined();
    expect(record?.status).toBe('downloaded');
    expect(harness.emulator.phone.requests.length).toBeGreaterThan(0);
  });

  it('GET …/download on stored media checks the file once, not once per call', async () => {
    h = await startHarness();
    const harness = h;
    const media = seedImage(harness.emulator, { size: 100_000 });
    const { id } = await harness.store.register(media.message, receivedIn(media));
    await harness.receiver.waitFor(1);
    const api = await harness.store.listen({ token: API_TOKEN });
    cleanups.push(() => api.close());
    const retry = () =>
      fetch(`${api.url}/v1/media/${id}/download`, {
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
    const answers = await Promise.all(Array.from({ length: 20 }, retry));
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    await harness.receiver.waitFor(21);
    // A file changed on disk is noticed all the same: it is fetched again.
    const { truncate } = await import('node:fs/promises');
    await truncate(join(harness.dataDir, 'blobs', id), 10);
    expect((await retry()).status).toBe(200);
    await eventually(async () =>
      (await harness.store.status()).outcomes.lostFiles === 1 ? true : undefined,
    );
  });
});

describe('files private by default', () => {
  let emulator: Emulator | undefined;
  let receiver: WebhookReceiver | undefined;
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await receiver?.close();
    await emulator?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('under umask 0: data dir and blobs/ 0700; database, WAL, lock, temp file and blob 0600', async () => {
    emulator = await startEmulator({ hosts: 2 });
    receiver = await startWebhookReceiver();
    dir = await mkdtemp(join(tmpdir(), 'wa-media-store-modes-'));
    const dataDir = join(dir, 'store');
    const served = spawn(process.execPath, ['--import', 'tsx', fixture], {
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: tsconfig,
        WA_STORE_UMASK: '0',
        WA_STORE_DATA_DIR: dataDir,
        WA_STORE_EMULATOR_HOSTS: emulator.hostnames.join(','),
        WA_STORE_EMULATOR_CONTROL_URL: emulator.control!.url,
        WA_STORE_EMULATOR_CONTROL_TOKEN: emulator.control!.token,
        WA_STORE_OWN_JID: OWN_JID,
        WA_STORE_WEBHOOK_URL: receiver.url,
        WA_STORE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        WA_STORE_API_TOKEN: API_TOKEN,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = served;
    const url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: served.stdout! }).once('line', (line) =>
        resolve((JSON.parse(line) as { url: string }).url),
      );
      served.once('exit', (code) => reject(new Error(`fixture exited (${code})`)));
    });
    emulator.faults.add({
      on: 'download',
      times: 1,
      fault: { kind: 'throttle', bytesPerSec: 100_000 },
    });
    const media = seedImage(emulator, { size: 300_000 });
    const registered = await fetch(`${url}/v1/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(registerBody(media)),
    });
    expect(registered.status).toBe(201);
    const blobs = join(dataDir, 'blobs');
    const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
    const tempMode = await eventually(async () => {
      const temp = (await readdir(blobs)).find((name) => name.endsWith('.part'));
      return temp === undefined
        ? undefined
        : await modeOf(join(blobs, temp)).catch(() => undefined);
    });
    await receiver.waitFor(1);
    const [blob] = await readdir(blobs);
    expect({
      dataDir: await modeOf(dataDir),
      blobs: await modeOf(blobs),
      database: await modeOf(join(dataDir, 'store.db')),
      wal: await modeOf(join(dataDir, 'store.db-wal')),
      lock: await modeOf(join(dataDir, 'store.lock.db')),
      temp: tempMode,
      blob: await modeOf(join(blobs, blob!)),
    }).toEqual({
      dataDir: 0o700,
      blobs: 0o700,
      database: 0o600,
      wal: 0o600,
      lock: 0o600,
      temp: 0o600,
      blob: 0o600,
    });
  });
});
