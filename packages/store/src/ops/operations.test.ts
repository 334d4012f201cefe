import { afterEach, describe, expect, it } from 'vitest';
import { type SeededMedia, seedImage } from '../test-support/media-fixtures.js';
import {
  API_TOKEN,
  eventually,
  type Harness,
  startHarness,
} from '../test-support/store-harness.js';

interface HookItem {
  image: { id: string; status: string; reason?: string };
}

describe('operations: retention, quota, pagination, health and metrics', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const info = (media: SeededMedia) => ({
    msgId: media.msgId,
    chatJid: media.chatJid,
    isFromMe: false,
  });

  function evictions(harness: Harness): HookItem['image'][] {
    return harness.receiver.received
      .map((hook) => (hook.body as { media_items: HookItem[] }).media_items[0]!.image)
      .filter((image) => image.status === 'evicted');
  }

  it('retention evicts records older than keep: record, blob and an evicted webhook', async () => {
    h = await startHarness({ keep: 400, maintenanceIntervalMs: 50 });
    const media = seedImage(h.emulator, { size: 1000 });
    const { id } = await h.store.register(media.message, info(media));
    await eventually(async () => ((await h!.store.get(id)) === undefined ? true : undefined));
    expect(await h.blobFiles()).toEqual([]);
    await eventually(() => (evictions(h!).length === 1 ? true : undefined));
    expect(evictions(h)).toEqual([
      {
        id,
        mime_type: 'image/jpeg',
        sha256: expect.any(String),
        status: 'evicted',
        reason: 'retention',
      },
    ]);
    expect((await h.store.status()).outcomes).toMatchObject({ downloaded: 1 });
  });

  it('the size quota evicts the oldest downloaded records first, announcing each', async () => {
    h = await startHarness({ maxBytes: 2500 });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const media = seedImage(h.emulator, { size: 1000 });
      const { id } = await h.store.register(media.message, info(media));
      ids.push(id);
      await eventually(async () =>
        (await h!.store.get(id))?.status === 'downloaded' ? true : undefined,
      );
    }
    // 3000 bytes > 2500: the oldest goes, the two newest stay.
    await eventually(async () => ((await h!.store.get(ids[0]!)) === undefined ? true : undefined));
    expect((await h.store.list()).map((record) => record.id)).toEqual(ids.slice(1));
    expect(await h.blobFiles()).toEqual(ids.slice(1).sort());
    await eventually(() => (evictions(h!).length === 1 ? true : undefined));
    expect(evictions(h)[0]).toMatchObject({ id: ids[0], reason: 'quota' });
  });

  it('GET /v1/media pages with an opaque cursor; a forged cursor is refused', async () => {
    h = await startHarness();
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) {
      const media = seedImage(h.emulator, { size: 500 });
      ids.push((await h.store.register(media.message, info(media))).id);
    }
    const server = await h.store.listen({ token: API_TOKEN });
    const get = (path: string) =>
      fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const seen: string[] = [];
    let path = '/v1/media?limit=2';
    for (let pages = 0; pages < 5; pages++) {
      const body = (await (await get(path)).json()) as {
        media_items: { id: string }[];
        paging?: { cursors: { after: string }; next: string };
      };
      seen.push(...body.media_items.map((item) => item.id));
      if (body.paging === undefined) break;
      expect(body.media_items).toHaveLength(2);
      path = body.paging.next;
    }
    expect(seen).toEqual(ids);
    const forged = await get(
      `/v1/media?limit=2&after=${Buffer.from('[1,"x"]').toString('base64url')}`,
    );
    expect(forged.status).toBe(400);
    expect((await get('/v1/media?limit=0')).status).toBe(400);
    expect((await get('/v1/media?limit=5000')).status).toBe(400);
  });

  it('/healthz and /readyz answer without the token; /metrics needs it and counts outcomes', async () => {
    h = await startHarness();
    const media = seedImage(h.emulator, { size: 3000 });
    const { id } = await h.store.register(media.message, info(media));
    await h.receiver.waitFor(1);
    await h.store.retryDownload(id);
    const server = await h.store.listen({ token: API_TOKEN });
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toContain('wa_media_store_downloads_total{outcome="downloaded"} 1');
    expect(text).toContain('wa_media_store_downloaded_bytes_total 3000');
    expect(text).toContain('wa_media_store_retry_requests_total 1');
    expect(text).toContain('wa_media_store_media{status="downloaded"} 1');
    expect(text).toContain('wa_media_store_queue_jobs{state="pending"} 0');
    expect(text).toMatch(
      /wa_media_store_webhook_delivery_seconds_count\{outcome="delivered"\} [12]/,
    );
  });
});
