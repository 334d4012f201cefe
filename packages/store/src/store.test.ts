// createMediaStore with a scripted client: concurrency limits, re-verification, reupload, crash
// recovery and the data-directory lock.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MediaDownloadError } from '@wa-media/client';
import { HttpStatusError, NetworkError } from '@wa-media/transport';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMediaStore, isMediaStoreError, type MediaStore } from './index.js';
import { createScriptedClient, fakeMessage } from './test-support/scripted-client.js';
import { eventually } from './test-support/store-harness.js';
import { startWebhookReceiver } from './test-support/webhook-receiver.js';

const info = (n: number) => ({
  msgId: `MSG${n}`,
  chatJid: '15550002222@s.whatsapp.net',
  isFromMe: false,
});
const holdStore = fileURLToPath(new URL('./test-support/hold-store.ts', import.meta.url));
// tsx maps @wa-media/* to sources through the package tsconfig's paths (no build needed).
const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createMediaStore (scripted client)', () => {
  let dataDir: string;
  let store: MediaStore | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'wa-media-store-unit-'));
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps to the overall and per-host concurrency limits', async () => {
    const payloads = new Map<string, Uint8Array>();
    const client = createScriptedClient(async ({ options }) => {
      await sleep(40);
      return payloads.get(options.reupload!.msgId)!;
    });
    store = await createMediaStore({
      client,
      dataDir,
      concurrency: 3,
      perHostConcurrency: 2,
      hostDelayMs: 0,
    });
    const ids: string[] = [];
    for (let n = 0; n < 12; n++) {
      const bytes = new Uint8Array(randomBytes(100));
      payloads.set(`MSG${n}`, bytes);
      ids.push(
        (await store.register(fakeMessage(bytes, n % 2 === 0 ? 'a.example' : 'b.example'), info(n)))
          .id,
      );
    }
    expect(
      (await store.status()).queue.pending + (await store.status()).queue.running,
    ).toBeGreaterThan(0);
    await eventually(async () =>
      (await store!.status()).media.downloaded === 12 ? true : undefined,
    );
    expect(client.maxActive).toBe(3);
    expect(Math.max(...client.maxActivePerHost.values())).toBe(2);
    expect((await readdir(join(dataDir, 'blobs'))).sort()).toEqual([...ids].sort());
    expect(await store.status()).toMatchObject({
      queue: { pending: 0, running: 0, due: 0 },
      outcomes: { downloaded: 12 },
    });
  });

  it('re-checks the stored file: bytes that do not hash to fileSha256 are removed, never "downloaded"', async () => {
    const client = createScriptedClient(async () => new Uint8Array(randomBytes(64)));
    store = await createMediaStore({ client, dataDir, retry: { maxAttempts: 2, baseDelayMs: 10 } });
    const { id } = await store.register(fakeMessage(new Uint8Array(randomBytes(64))), info(1));
    await eventually(async () => ((await store!.get(id))?.status === 'failed' ? true : undefined));
    expect(await store.get(id)).toMatchObject({
      attempts: 2,
      error: { kind: 'integrity', code: 1000 },
    });
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([]);
  });

  it('fails at once (no retries) on expired media the client could not re-upload', async () => {
    const client = createScriptedClient(async () => {
      throw new MediaDownloadError(
        'all-hosts-failed',
        'gone https://mmg.whatsapp.net/v/x?oh=SECRET',
        {
          attempts: [
            { url: 'https://a/x', status: 410, error: new HttpStatusError({ status: 410 }) },
            { url: 'https://b/x', status: 404, error: new HttpStatusError({ status: 404 }) },
          ],
        },
      );
    });
    store = await createMediaStore({ client, dataDir, retry: { maxAttempts: 5, baseDelayMs: 10 } });
    const { id } = await store.register(fakeMessage(new Uint8Array(8)), info(1));
    await eventually(async () => ((await store!.get(id))?.status === 'failed' ? true : undefined));
    expect(client.calls).toBe(1);
    const record = (await store.get(id))!;
    expect(record.error).toMatchObject({
      kind: 'expired',
      code: 400,
      title: 'Parameter not valid',
      details: expect.stringMatching(/^Media not found in the datastore\. /),
    });
    expect(JSON.stringify(record)).not.toContain('SECRET');
  });

  it('passes the reupload info and an abort signal; close() aborts and the job resumes on reopen', async () => {
    const bytes = new Uint8Array(randomBytes(32));
    let seen: unknown;
    const hanging = createScriptedClient(({ options }) => {
      seen = options.reupload;
      return new Promise((_, reject) => {
        options.signal!.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        );
      });
    });
    store = await createMediaStore({ client: hanging, dataDir });
    const { id } = await store.register(fakeMessage(bytes), {
      ...info(7),
      participant: '15550003333@s.whatsapp.net',
    });
    await eventually(async () => seen);
    expect(seen).toEqual({
      msgId: 'MSG7',
      chatJid: '15550002222@s.whatsapp.net',
      isFromMe: false,
      participant: '15550003333@s.whatsapp.net',
    });
    await store.close();
    await expect(store.register(fakeMessage(bytes), info(8))).rejects.toMatchObject({
      code: 'closed',
    });

    store = await createMediaStore({ client: createScriptedClient(async () => bytes), dataDir });
    expect((await store.get(id))?.status).not.toBe('failed');
    await eventually(async () =>
      (await store!.get(id))?.status === 'downloaded' ? true : undefined,
    );
    // The aborted run did not count as an attempt.
    expect((await store.get(id))!.attempts).toBe(1);
  });

  it('reuses a verified blob left by a crash between rename and commit, and removes stray files', async () => {
    const bytes = new Uint8Array(randomBytes(32));
    const never = createScriptedClient(
      ({ options }) =>
        new Promise((_, reject) =>
          options.signal!.addEventListener('abort', () => reject(options.signal!.reason)),
        ),
    );
    store = await createMediaStore({ client: never, dataDir });
    const { id } = await store.register(fakeMessage(bytes), info(1));
    await store.close();
    // What a crash right after the client's rename leaves: the blob, plus a stray temp file.
    await writeFile(join(dataDir, 'blobs', id), bytes);
    await writeFile(join(dataDir, 'blobs', `${id}.abc.part`), 'partial');
    const client = createScriptedClient(async () => {
      throw new Error('must not download again');
    });
    store = await createMediaStore({ client, dataDir });
    await eventually(async () =>
      (await store!.get(id))?.status === 'downloaded' ? true : undefined,
    );
    expect(client.calls).toBe(0);
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([id]);
  });

  it('refuses a second store on the same data directory while the first is open', async () => {
    const client = createScriptedClient(async () => new Uint8Array());
    store = await createMediaStore({ client, dataDir });
    await expect(createMediaStore({ client, dataDir })).rejects.toMatchObject({
      name: 'MediaStoreError',
      code: 'locked',
    });
    await store.close();
    store = await createMediaStore({ client, dataDir });
    expect(await store.list()).toEqual([]);
  });

  it('a data directory held by another live process is refused; after its kill -9 it opens at once', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', holdStore, dataDir], {
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: holder.stdout! }).once('line', () => resolve());
        holder.once('exit', (code) => reject(new Error(`holder exited (${code})`)));
      });
      const client = createScriptedClient(async () => new Uint8Array());
      await expect(createMediaStore({ client, dataDir })).rejects.toMatchObject({
        name: 'MediaStoreError',
        code: 'locked',
      });
      holder.kill('SIGKILL');
      await exited;
      // The OS released the lock with the process: no stale lock, whatever PID comes next.
      store = await createMediaStore({ client, dataDir });
      expect(await store.list()).toEqual([]);
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    }
  });

  it('a PID lock file naming a live process (PID reuse after kill -9) does not block the start', async () => {
    // What the PID-file lock of earlier versions left behind after kill -9 + a restart that
    // reused the PID (PID 1 in a container): our own PID, alive.
    await writeFile(join(dataDir, 'store.lock'), String(process.pid));
    store = await createMediaStore({
      client: createScriptedClient(async () => new Uint8Array()),
      dataDir,
    });
    expect(await store.list()).toEqual([]);
  });

  it('retryDownload starts a record waiting out its backoff now, with a fresh attempt budget', async () => {
    const bytes = new Uint8Array(randomBytes(32));
    let failing = true;
    const client = createScriptedClient(async () => {
      if (failing)
        throw new NetworkError('socket hang up', { phase: 'download', code: 'ECONNRESET' });
      return bytes;
    });
    store = await createMediaStore({
      client,
      dataDir,
      hostDelayMs: 0,
      retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 300_000 },
    });
    const { id } = await store.register(fakeMessage(bytes), info(1));
    await eventually(async () =>
      (await store!.get(id))?.error?.kind === 'network' ? true : undefined,
    );
    expect(await store.get(id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await store.status()).queue).toMatchObject({ pending: 1, due: 0, running: 0 });
    failing = false;
    await store.retryDownload(id);
    // The retry is due at once: no waiting for the 30–60 s backoff.
    expect((await store.status()).queue.pending + (await store.status()).queue.running).toBe(1);
    await eventually(
      async () => ((await store!.get(id))?.status === 'downloaded' ? true : undefined),
      3000,
    );
    expect(client.calls).toBe(2);
    expect((await store.status()).outcomes).toMatchObject({ retried: 1, downloaded: 1 });
  });

  it('a host at its limit does not hold back due work for other hosts (no head-of-line blocking)', async () => {
    const releases: (() => void)[] = [];
    const payloads = new Map<string, Uint8Array>();
    const client = createScriptedClient(async ({ options, host }) => {
      if (host === 'busy.example') await new Promise<void>((resolve) => releases.push(resolve));
      return payloads.get(options.reupload!.msgId)!;
    });
    store = await createMediaStore({
      client,
      dataDir,
      concurrency: 2,
      perHostConcurrency: 1,
      hostDelayMs: 0,
    });
    // 60 jobs for one host, then one for another: more than any fixed look-ahead window.
    for (let n = 0; n < 60; n++) {
      const bytes = new Uint8Array(randomBytes(16));
      payloads.set(`MSG${n}`, bytes);
      await store.register(fakeMessage(bytes, 'busy.example'), info(n));
    }
    await sleep(5);
    const bytes = new Uint8Array(randomBytes(16));
    payloads.set('MSG999', bytes);
    const { id } = await store.register(fakeMessage(bytes, 'idle.example'), info(999));
    await eventually(
      async () => ((await store!.get(id))?.status === 'downloaded' ? true : undefined),
      3000,
    );
    expect(client.maxActivePerHost.get('busy.example')).toBe(1);
    expect((await store.status()).queue.running).toBe(1);
    for (;;) {
      const release = releases.shift();
      if (release === undefined) {
        if ((await store.status()).queue.pending + (await store.status()).queue.running === 0)
          break;
        await sleep(5);
        continue;
      }
      release();
    }
    expect((await store.status()).media.downloaded).toBe(61);
  });

  it('a downloaded record whose file was lost is queued again by itself, and says so', async () => {
    const bytes = new Uint8Array(randomBytes(48));
    const client = createScriptedClient(async () => bytes);
    store = await createMediaStore({ client, dataDir, hostDelayMs: 0 });
    const { id } = await store.register(fakeMessage(bytes), info(1));
    await eventually(async () =>
      (await store!.get(id))?.status === 'downloaded' ? true : undefined,
    );
    await rm(join(dataDir, 'blobs', id));

    const error = await store.open(id).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'MediaNotReadyError', code: 'not-downloaded' });
    expect((error as Error).message).toMatch(/file was missing.*downloading it again/);
    await eventually(async () =>
      (await store!.get(id))?.status === 'downloaded' ? true : undefined,
    );
    expect(client.calls).toBe(2);
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([id]);
    expect((await store.status()).outcomes.lostFiles).toBe(1);

    // Found on start too: a file lost while the store was closed is fetched again at once.
    await store.close();
    await rm(join(dataDir, 'blobs', id));
    store = await createMediaStore({ client, dataDir, hostDelayMs: 0 });
    expect(await store.get(id)).toMatchObject({
      error: { kind: 'missing-file', details: expect.stringMatching(/downloading it again/) },
    });
    await eventually(async () =>
      (await store!.get(id))?.status === 'downloaded' ? true : undefined,
    );
    expect((await store.get(id))!.error).toBeUndefined();
    expect(client.calls).toBe(3);
    expect((await store.status()).outcomes.lostFiles).toBe(2);
  });

  it('gives a webhook up after its attempts (dead), counting it; the receiver saw each try', async () => {
    const receiver = await startWebhookReceiver();
    try {
      receiver.failNext(100, 500);
      const bytes = new Uint8Array(randomBytes(16));
      store = await createMediaStore({
        client: createScriptedClient(async () => bytes),
        dataDir,
        webhook: {
          url: receiver.url,
          secret: 's'.repeat(16),
          maxAttempts: 3,
          baseDelayMs: 10,
          maxDelayMs: 20,
        },
      });
      await store.register(fakeMessage(bytes), info(1));
      await eventually(async () =>
        (await store!.status()).webhooks.dead === 1 ? true : undefined,
      );
      expect(receiver.received).toHaveLength(3);
      expect((await store.status()).outcomes).toMatchObject({
        webhooksDead: 1,
        webhooksDelivered: 0,
      });
    } finally {
      await receiver.close();
    }
  });

  it('validates options and register input with errors that name the parameter', async () => {
    const client = createScriptedClient(async () => new Uint8Array());
    await expect(createMediaStore({ client, dataDir, concurrency: 0 })).rejects.toThrow(
      'options.concurrency must be a positive integer',
    );
    await expect(createMediaStore({ client: {} as never, dataDir })).rejects.toThrow(
      'options.client',
    );
    await expect(
      createMediaStore({ client, dataDir, webhook: { url: 'ftp://x', secret: 'x'.repeat(16) } }),
    ).rejects.toThrow('options.webhook.url');
    await expect(
      createMediaStore({
        client,
        dataDir,
        webhook: { url: 'http://127.0.0.1:1/', secret: 'short' },
      }),
    ).rejects.toThrow('options.webhook.secret');
    store = await createMediaStore({ client, dataDir });
    const message = fakeMessage(new Uint8Array(4));
    for (const [bad, name] of [
      [{ ...info(1), msgId: '' }, 'info.msgId'],
      [{ ...info(1), chatJid: 'nope' }, 'info.chatJid'],
      [{ ...info(1), isFromMe: 'yes' }, 'info.isFromMe'],
      [{ ...info(1), participant: 'x' }, 'info.participant'],
    ] as const) {
      const error = await store.register(message, bad as never).catch((e: unknown) => e);
      expect(isMediaStoreError(error)).toBe(true);
      expect(error).toMatchObject({
        name: 'InvalidMediaInputError',
        code: 'invalid-argument',
        parameter: name,
      });
    }
    expect(await store.list()).toEqual([]);
    await expect(store.listen({ token: 'short' })).rejects.toThrow(
      'token must be at least 16 characters',
    );
  });
});
