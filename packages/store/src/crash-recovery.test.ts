import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from './index.js';
import { registerBody, seedImage } from './test-support/media-fixtures.js';
import {
  callStore,
  kill9,
  type ServedStore,
  spawnServedStore,
} from './test-support/served-store.js';
import { eventually, WEBHOOK_SECRET } from './test-support/store-harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './test-support/webhook-receiver.js';

describe('crash recovery of a served store (kill -9)', () => {
  let emulator: Emulator;
  let receiver: WebhookReceiver;
  let dataDir: string;
  const children: ServedStore[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ hosts: 2 });
    receiver = await startWebhookReceiver();
    dataDir = await mkdtemp(join(tmpdir(), 'wa-media-store-crash-'));
  });
  afterEach(async () => {
    for (const served of children) if (served.child.exitCode === null) await kill9(served);
    children.length = 0;
    await receiver.close();
    await emulator.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const serve = async (): Promise<ServedStore> => {
    const served = await spawnServedStore({ emulator, webhookUrl: receiver.url, dataDir });
    children.push(served);
    return served;
  };
  const call = callStore;

  it('killed mid-download, restarted: completed with one record, one file, one webhook', async () => {
    const media = seedImage(emulator, { size: 400_000 });
    // Slow enough that the kill lands mid-body; only the first download is throttled.
    emulator.faults.add({
      on: 'download',
      times: 1,
      fault: { kind: 'throttle', bytesPerSec: 100_000 },
    });
    const first = await serve();
    const registered = await call(first, '/v1/media', {
      method: 'POST',
      body: JSON.stringify(registerBody(media)),
    });
    expect(registered.status).toBe(201);
    const id = ((await registered.json()) as { media_items: { id: string }[] }).media_items[0]!.id;
    // Wait until the body is streaming into the client's temp file, then kill.
    await eventually(async () =>
      (await readdir(join(dataDir, 'blobs'))).some((name) => name.endsWith('.part'))
        ? true
        : undefined,
    );
    await kill9(first);
    expect(receiver.received).toHaveLength(0);
    expect((await readdir(join(dataDir, 'blobs'))).some((name) => name.endsWith('.part'))).toBe(
      true,
    );

    const second = await serve();
    const [hook] = await receiver.waitFor(1);
    expect(verifyWebhookSignature(hook!.rawBody, hook!.headers, WEBHOOK_SECRET)).toBe(true);
    const list = (await (await call(second, '/v1/media')).json()) as {
      media_items: { id: string; status: string; attempts: number }[];
    };
    expect(list.media_items).toEqual([expect.objectContaining({ id, status: 'downloaded' })]);
    expect(await readdir(join(dataDir, 'blobs'))).toEqual([id]);
    const bytes = new Uint8Array(await (await call(second, `/v1/media/${id}`)).arrayBuffer());
    expect(bytes).toEqual(media.plaintext);
    // No second webhook turns up later.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
    await kill9(second);
  });

  it('killed while registrations pour in: every acknowledged registration survives and completes', async () => {
    const served = await serve();
    const seeded = Array.from({ length: 40 }, () => seedImage(emulator, { size: 2_000 }));
    const acknowledged = new Map<string, string>();
    const posts = seeded.map(async (media, index) => {
      await new Promise((resolve) => setTimeout(resolve, index * 5));
      try {
        const response = await call(served, '/v1/media', {
          method: 'POST',
          body: JSON.stringify(registerBody(media)),
        });
        if (response.status === 201) {
          acknowledged.set(
            media.msgId,
            ((await response.json()) as { media_items: { id: string }[] }).media_items[0]!.id,
          );
        }
      } catch {
        // The process died under this request: not acknowledged, may or may not be stored.
      }
    });
    await eventually(() => (acknowledged.size >= 10 ? true : undefined));
    await kill9(served);
    await Promise.all(posts);
    expect(acknowledged.size).toBeGreaterThanOrEqual(10);

    const restarted = await serve();
    const records = await eventually(async () => {
      const { media_items } = (await (await call(restarted, '/v1/media')).json()) as {
        media_items: { id: string; msg_id: string; status: string }[];
      };
      return media_items.every((item) => item.status === 'downloaded') ? media_items : undefined;
    });
    for (const [msgId, id] of acknowledged) {
      expect(records).toContainEqual(
        expect.objectContaining({ id, msg_id: msgId, status: 'downloaded' }),
      );
    }
    expect(new Set(records.map((record) => record.msg_id)).size).toBe(records.length);
    expect((await readdir(join(dataDir, 'blobs'))).sort()).toEqual(
      records.map((record) => record.id).sort(),
    );
    // At least once: each completed record's webhook arrives; duplicates carry the same event id.
    await eventually(() => {
      const ids = new Set(
        receiver.received.map(
          (hook) =>
            (hook.body as { media_items: { image: { id: string } }[] }).media_items[0]!.image.id,
        ),
      );
      return records.every((record) => ids.has(record.id)) ? true : undefined;
    });
    const byEvent = new Map<string, string>();
    for (const hook of receiver.received) {
      const eventId = String(hook.headers['x-wa-media-event-id']);
      const body = hook.rawBody;
      if (byEvent.has(eventId)) expect(byEvent.get(eventId)).toBe(body);
      byEvent.set(eventId, body);
    }
    await kill9(restarted);
  });
});
