// The store with its blobs in an S3 bucket (s3rver in its own process): media downloaded from
// the emulator lands in the bucket and is served with Range; a bucket that refuses writes for
// a while delays the job (retried) without anything half-written being served.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveStoreOptions } from './store-options.js';
import { receivedIn, seedImage } from './test-support/media-fixtures.js';
import { type S3rverProcess, startS3rver } from './test-support/s3rver-process.js';
import { API_TOKEN, eventually, type Harness, startHarness } from './test-support/store-harness.js';

const client = { downloadToFile: async () => undefined };

describe('media store on S3 blobs', () => {
  let server: S3rverProcess;
  let raw: S3Client;
  let h: Harness | undefined;
  beforeAll(async () => {
    server = await startS3rver();
    raw = new S3Client(server.options);
  }, 60_000);
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(async () => {
    raw?.destroy();
    await server?.stop();
  });

  async function keys(prefix: string): Promise<string[]> {
    const page = await raw.send(
      new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix }),
    );
    return (page.Contents ?? []).map((object) => object.Key ?? '');
  }

  it('stores downloaded media in the bucket and serves it whole and by Range', async () => {
    h = await startHarness({ blobs: `s3://${server.bucket}/served`, s3: server.options });
    const media = seedImage(h.emulator, { size: 50_000 });
    const { id } = await h.store.register(media.message, receivedIn(media));
    await h.receiver.waitFor(1);
    expect(await keys('served/')).toEqual([`served/${id}`]);
    expect(await readdir(h.dataDir)).not.toContain('blobs');
    expect(await readdir(join(h.dataDir, 'staging'))).toEqual([]);

    const api = await h.store.listen({ token: API_TOKEN });
    try {
      const get = (range?: string) =>
        fetch(`${api.url}/v1/media/${id}`, {
          headers: { authorization: `Bearer ${API_TOKEN}`, ...(range ? { range } : {}) },
        });
      const whole = await get();
      expect(whole.status).toBe(200);
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(media.plaintext))).toBe(
        true,
      );
      const part = await get('bytes=1000-1999');
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 1000-1999/50000');
      expect(
        Buffer.from(await part.arrayBuffer()).equals(
          Buffer.from(media.plaintext.subarray(1000, 2000)),
        ),
      ).toBe(true);
      const tail = await get('bytes=-100');
      expect(
        Buffer.from(await tail.arrayBuffer()).equals(Buffer.from(media.plaintext.subarray(-100))),
      ).toBe(true);
      const past = await get('bytes=50000-');
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe('bytes */50000');
    } finally {
      await api.close();
    }
  });

  it('a bucket refusing writes for a while: the job retries and finishes, nothing served before', async () => {
    h = await startHarness({
      blobs: `s3://${server.bucket}/outage/`,
      s3: server.options,
      retry: { maxAttempts: 50, baseDelayMs: 100, maxDelayMs: 300 },
    });
    const harness = h;
    await server.kill();
    try {
      const media = seedImage(harness.emulator, { size: 30_000 });
      const { id } = await harness.store.register(media.message, receivedIn(media));
      const failed = await eventually(
        async () => {
          const record = await harness.store.get(id);
          return record?.error?.kind === 'storage' ? record : undefined;
        },
        30_000,
        'a failed storage attempt',
      );
      expect(failed.status).not.toBe('downloaded');
      await expect(harness.store.open(id)).rejects.toThrow(/not downloaded/);
      await server.start();
      await eventually(
        async () => ((await harness.store.get(id))?.status === 'downloaded' ? true : undefined),
        30_000,
        'the download after the bucket came back',
      );
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await harness.store.open(
        id,
      )) as unknown as AsyncIterable<Uint8Array>) {
        chunks.push(chunk);
      }
      expect(Buffer.concat(chunks).equals(Buffer.from(media.plaintext))).toBe(true);
      expect(await keys('outage/')).toEqual([`outage/${id}`]);
    } finally {
      await server.start().catch(() => undefined);
    }
  }, 90_000);

  it('refuses a blobs option that is not an s3:// bucket URL, naming the option', () => {
    for (const blobs of ['https://bucket/x', 's3://', 's3://b/../up', 's3://Bad_Name/x']) {
      expect(() => resolveStoreOptions({ client, dataDir: '/tmp/x', blobs })).toThrow(
        /options\.blobs must be a URL such as 's3:\/\/bucket\/prefix'/,
      );
    }
    expect(
      resolveStoreOptions({ client, dataDir: '/tmp/x', blobs: 's3://my.bucket/a/b' }).s3,
    ).toEqual({ location: { bucket: 'my.bucket', prefix: 'a/b/' }, options: {} });
  });
});
