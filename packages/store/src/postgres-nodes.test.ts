// Several store nodes on one PostgreSQL database (child processes, the emulator's CDN).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerBody, type SeededMedia, seedImage } from './test-support/media-fixtures.js';
import { type PostgresServer, startPostgres } from './test-support/postgres-server.js';
import {
  callStore,
  kill9,
  type ServedStore,
  spawnServedStore,
  stopServedStore,
} from './test-support/served-store.js';
import { eventually } from './test-support/store-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

interface ListedMedia {
  id: string;
  msg_id: string;
  status: string;
}

describe('store nodes on one PostgreSQL database (child processes, emulator CDN)', () => {
  let server: PostgresServer;
  let emulator: Emulator;
  let receiver: WebhookReceiver;
  let dataDir: string;
  let database: string;
  let counter = 0;
  const nodes: ServedStore[] = [];

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    emulator = await startEmulator({ hosts: 2 });
    receiver = await startWebhookReceiver();
    dataDir = await mkdtemp(join(tmpdir(), 'wa-media-store-nodes-'));
    database = await server.createDatabase(`nodes_${process.pid}_${++counter}`);
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) if (node.child.exitCode === null) await kill9(node);
    await receiver.close();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startNode(leaseMs = 1500): Promise<ServedStore> {
    const node = await spawnServedStore({
      emulator,
      webhookUrl: receiver.url,
      dataDir,
      database,
      leaseMs,
      concurrency: 4,
    });
    nodes.push(node);
    return node;
  }

  async function register(node: ServedStore, media: SeededMedia): Promise<string> {
    const response = await callStore(node, '/v1/media', {
      method: 'POST',
      body: JSON.stringify(registerBody(media)),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { media_items: { id: string }[] }).media_items[0]!.id;
  }

  // Every record, following the pages of GET /v1/media; undefined when a call fails.
  async function listAll(node: ServedStore): Promise<ListedMedia[] | undefined> {
    const all: ListedMedia[] = [];
    let path: string | undefined = '/v1/media?limit=100';
    while (path !== undefined) {
      const response = await callStore(node, path).catch(() => undefined);
      if (response?.status !== 200) return undefined;
      const page = (await response.json()) as {
        media_items: ListedMedia[];
        paging?: { next: string };
      };
      all.push(...page.media_items);
      path = page.paging?.next;
    }
    return all;
  }

  async function allDownloaded(node: ServedStore, count: number): Promise<ListedMedia[]> {
    return eventually(
      async () => {
        const items = await listAll(node);
        const done = items?.filter((item) => item.status === 'downloaded') ?? [];
        return done.length === count ? items : undefined;
      },
      60_000,
      `${count} downloaded records`,
    );
  }

  // Media id → distinct event ids of its `downloaded` webhooks.
  function webhookEvents(): Map<string, Set<string>> {
    const events = new Map<string, Set<string>>();
    for (const hook of receiver.received) {
      const item = (hook.body as { media_items: { image: { id: string; status: string } }[] })
        .media_items[0]!.image;
      if (item.status !== 'downloaded') continue;
      const ids = events.get(item.id) ?? new Set<string>();
      ids.add(String(hook.headers['x-wa-media-event-id']));
      events.set(item.id, ids);
    }
    return events;
  }

  async function expectServed(node: ServedStore, id: string, media: SeededMedia): Promise<void> {
    const response = await callStore(node, `/v1/media/${id}`);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(media.plaintext);
  }

  it('three nodes share 200 registered media: each downloaded exactly once, one webhook event each', async () => {
    const three = await Promise.all([startNode(5000), startNode(5000), startNode(5000)]);
    const seeded = Array.from({ length: 200 }, () => seedImage(emulator, { size: 4_000 }));
    const ids = new Map<string, SeededMedia>();
    // Registrations spread over the nodes, 20 at a time.
    for (let start = 0; start < seeded.length; start += 20) {
      const batch = seeded.slice(start, start + 20);
      const registered = await Promise.all(
        batch.map((media, index) => register(three[(start + index) % 3]!, media)),
      );
      for (const [index, id] of registered.entries()) ids.set(id, batch[index]!);
    }
    await allDownloaded(three[0]!, 200);
    await emulator.whenIdle();
    // One successful CDN download per media, across all nodes.
    const gets = new Map<string, number>();
    for (const entry of emulator.log) {
      if (entry.kind !== 'download' || entry.status !== 200) continue;
      const path = entry.path.split('?')[0]!;
      gets.set(path, (gets.get(path) ?? 0) + 1);
    }
    for (const media of seeded) expect(gets.get(media.directPath.split('?')[0]!)).toBe(1);
    // At least once per media, and every delivery of one completion carries one event id.
    await eventually(() => (webhookEvents().size === 200 ? true : undefined), 30_000);
    for (const [id, events] of webhookEvents()) {
      expect(ids.has(id)).toBe(true);
      expect(events.size).toBe(1);
    }
    const [id, media] = [...ids][7]!;
    await expectServed(three[2]!, id, media);
    // Every node took part.
    await Promise.all(three.map((node) => stopServedStore(node)));
    const downloads = three.map((node) => (node.reports.at(-1) as { downloads: number }).downloads);
    expect(downloads.reduce((a, b) => a + b, 0)).toBe(200);
    for (const count of downloads) expect(count).toBeGreaterThan(0);
  }, 120_000);

  it('a node killed -9 mid-download loses nothing: another finishes its jobs after the lease', async () => {
    emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'throttle', bytesPerSec: 150_000 },
    });
    const first = await startNode();
    const seeded = Array.from({ length: 8 }, () => seedImage(emulator, { size: 60_000 }));
    const ids = new Map<string, SeededMedia>();
    for (const media of seeded) ids.set(await register(first, media), media);
    // Bodies are streaming into the killed node's temp files.
    await eventually(async () =>
      (await readdir(join(dataDir, 'blobs'))).some((name) => name.endsWith('.part'))
        ? true
        : undefined,
    );
    await kill9(first);
    const second = await startNode();
    const records = await allDownloaded(second, 8);
    expect(new Set(records.map((record) => record.id))).toEqual(new Set(ids.keys()));
    for (const [id, media] of ids) await expectServed(second, id, media);
    // Beside the verified blobs, only the killed node's temp files remain: never served.
    const names = await readdir(join(dataDir, 'blobs'));
    expect(names.filter((name) => !name.endsWith('.part')).sort()).toEqual([...ids.keys()].sort());
    await eventually(() => (webhookEvents().size === 8 ? true : undefined), 30_000);
  }, 120_000);

  it('PostgreSQL restarted mid-run: the nodes reconnect and finish every download', async () => {
    emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'throttle', bytesPerSec: 400_000 },
    });
    const two = await Promise.all([startNode(), startNode()]);
    const seeded = Array.from({ length: 30 }, () => seedImage(emulator, { size: 40_000 }));
    const ids = new Map<string, SeededMedia>();
    for (const [index, media] of seeded.entries()) {
      ids.set(await register(two[index % 2]!, media), media);
    }
    await eventually(async () => {
      const response = await callStore(two[0]!, '/v1/status');
      const { status } = (await response.json()) as { status: { media: { downloaded: number } } };
      return status.media.downloaded >= 3 ? true : undefined;
    });
    await server.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.start();
    const records = await allDownloaded(two[1]!, 30);
    // Neither node died of a dropped connection.
    expect(two.map((node) => node.child.exitCode)).toEqual([null, null]);
    expect(records).toHaveLength(30);
    for (const [id, media] of [...ids].slice(0, 5)) await expectServed(two[0]!, id, media);
    await eventually(() => (webhookEvents().size === 30 ? true : undefined), 30_000);
  }, 120_000);
});
