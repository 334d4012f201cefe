import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaStore, type MediaStore, verifyWebhookSignature } from './index.js';
import { seedImage } from './test-support/media-fixtures.js';
import { type PostgresServer, startPostgres } from './test-support/postgres-server.js';
import { createTestClient, eventually, WEBHOOK_SECRET } from './test-support/store-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

describe('createMediaStore on PostgreSQL (a real PostgreSQL 15 server)', () => {
  let server: PostgresServer;
  let emulator: Emulator;
  let receiver: WebhookReceiver;
  let dataDir: string;
  let database: string;
  const stores: MediaStore[] = [];
  let counter = 0;

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    emulator = await startEmulator({ hosts: 2, control: false });
    receiver = await startWebhookReceiver();
    dataDir = await mkdtemp(join(tmpdir(), 'wa-media-store-pg-'));
    database = await server.createDatabase(`store_${process.pid}_${++counter}`);
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await receiver.close();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function open(): Promise<MediaStore> {
    const store = await createMediaStore({
      client: createTestClient(emulator),
      dataDir,
      database,
      sharedQueue: { leaseMs: 2000, pollIntervalMs: 500 },
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET, baseDelayMs: 50, maxDelayMs: 200 },
      retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
      hostDelayMs: 0,
    });
    stores.push(store);
    return store;
  }

  it('two nodes starting together migrate the schema once; neither takes the data-dir lock', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    const { rows } = await client.query('SELECT version FROM wa_media_schema ORDER BY version');
    await client.end();
    expect(rows).toEqual([{ version: 1 }]);
    expect(await a!.list()).toEqual([]);
    expect(await b!.list()).toEqual([]);
  });

  it('downloads, serves and announces media; records are visible from every node', async () => {
    const a = await open();
    const media = seedImage(emulator);
    const { id, created } = await a.register(media.message, {
      msgId: media.msgId,
      chatJid: media.chatJid,
      isFromMe: false,
    });
    expect(created).toBe(true);
    const [hook] = await receiver.waitFor(1);
    expect(verifyWebhookSignature(hook!.rawBody, hook!.headers, WEBHOOK_SECRET)).toBe(true);
    const b = await open();
    expect(await b.get(id)).toMatchObject({ status: 'downloaded', size: media.plaintext.length });
    const bytes = new Uint8Array(await new Response(await b.open(id)).arrayBuffer());
    expect(bytes).toEqual(media.plaintext);
    // The same message registered on the other node is the same record.
    expect(
      await b.register(media.message, {
        msgId: media.msgId,
        chatJid: media.chatJid,
        isFromMe: false,
      }),
    ).toEqual({ id, created: false });
    expect((await b.status()).outcomes).toMatchObject({ downloaded: 1, webhooksDelivered: 1 });
    expect(await b.delete(id)).toBe(true);
    expect(await a.get(id)).toBeUndefined();
  });

  it('refuses a database URL that is not postgres:// without quoting it', async () => {
    await expect(
      createMediaStore({
        client: createTestClient(emulator),
        dataDir,
        database: 'mysql://user:hunter2@db/x',
      }),
    ).rejects.toSatisfy(
      (error: Error) =>
        error.name === 'InvalidMediaInputError' && !error.message.includes('hunter2'),
    );
  });

  it('keeps working through a PostgreSQL restart', async () => {
    const a = await open();
    const first = seedImage(emulator);
    await a.register(first.message, {
      msgId: first.msgId,
      chatJid: first.chatJid,
      isFromMe: false,
    });
    await eventually(async () => ((await a.status()).media.downloaded === 1 ? true : undefined));
    await server.kill();
    await server.start();
    const second = seedImage(emulator);
    // The pool replaces the connections the restart broke; a register may need one retry.
    const { id } = await eventually(async () =>
      a
        .register(second.message, { msgId: second.msgId, chatJid: second.chatJid, isFromMe: false })
        .catch(() => undefined),
    );
    await eventually(async () => ((await a.get(id))?.status === 'downloaded' ? true : undefined));
  });
});
