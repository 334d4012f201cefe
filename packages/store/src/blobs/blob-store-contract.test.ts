// The one BlobStore contract run against both backends: the local folder and an S3 bucket
// (s3rver in its own process), plus what only the S3 backend has to prove.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBlobStoreContract } from '../test-support/blob-store-contract.js';
import { type S3rverProcess, startS3rver } from '../test-support/s3rver-process.js';
import { hashFile } from './blob-files.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

describeBlobStoreContract('local folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wa-media-blobs-'));
  return {
    blobs: new LocalBlobStore(dir),
    close: () => rm(dir, { recursive: true, force: true }),
  };
});

describeBlobStoreContract('S3 (s3rver)', async () => {
  const server = await startS3rver();
  const staging = await mkdtemp(join(tmpdir(), 'wa-media-staging-'));
  const blobs = new S3BlobStore(
    { bucket: server.bucket, prefix: 'media/' },
    staging,
    server.options,
  );
  return {
    blobs,
    async close() {
      blobs.close();
      await server.stop();
      await rm(staging, { recursive: true, force: true });
    },
  };
});

describe('S3BlobStore on s3rver', () => {
  let server: S3rverProcess;
  let staging: string;
  let blobs: S3BlobStore;
  let raw: S3Client;
  beforeAll(async () => {
    server = await startS3rver();
    staging = await mkdtemp(join(tmpdir(), 'wa-media-staging-'));
    blobs = new S3BlobStore({ bucket: server.bucket, prefix: 'p/' }, staging, {
      ...server.options,
      orphanAgeMs: 0,
    });
    raw = new S3Client(server.options);
  }, 60_000);
  afterAll(async () => {
    blobs?.close();
    raw?.destroy();
    await server?.stop();
    await rm(staging, { recursive: true, force: true });
  });

  async function keys(): Promise<string[]> {
    const page = await raw.send(new ListObjectsV2Command({ Bucket: server.bucket }));
    return (page.Contents ?? []).map((object) => object.Key ?? '');
  }

  it('stores a multipart-sized blob under prefix/id and leaves no temporary key', async () => {
    const bytes = randomBytes(9 * 1024 * 1024 + 17);
    await writeFile(blobs.stagingPath('big'), bytes);
    const digest = await hashFile(blobs.stagingPath('big'));
    expect(await blobs.commit('big', digest!)).toBe(bytes.length);
    expect(await keys()).toEqual(['p/big']);
    expect(await readdir(staging)).toEqual([]);
    const tail = await blobs.open('big', { start: bytes.length - 10, end: bytes.length - 1 });
    const chunks: Uint8Array[] = [];
    for await (const chunk of tail!.stream as unknown as AsyncIterable<Uint8Array>)
      chunks.push(chunk);
    expect(Buffer.concat(chunks).equals(bytes.subarray(-10))).toBe(true);
  });

  it('a commit cut off by the bucket going away leaves nothing visible; a later one succeeds', async () => {
    const bytes = randomBytes(4096);
    await writeFile(blobs.stagingPath('cut'), bytes);
    const digest = await hashFile(blobs.stagingPath('cut'));
    await server.kill();
    await expect(blobs.commit('cut', digest!)).rejects.toThrow();
    await server.start();
    expect(await blobs.open('cut')).toBeUndefined();
    expect(await blobs.verify('cut', digest!)).toBeUndefined();
    expect(await blobs.list()).not.toContain('cut');
    // The staging file survived the failure: the retry commits it.
    expect(await blobs.commit('cut', digest!)).toBe(4096);
    expect(await blobs.verify('cut', digest!)).toBe(4096);
  }, 60_000);

  it('sweeps temporary keys a dead node left, and only under its prefix', async () => {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: 'p/.uploads/dead.abc', Body: 'half' }),
    );
    await raw.send(
      new PutObjectCommand({ Bucket: server.bucket, Key: 'elsewhere/x', Body: 'other' }),
    );
    const removed = await blobs.sweep(await blobs.list());
    expect(removed).toContain('.uploads/dead.abc');
    expect(removed.filter((name) => !name.endsWith('.staging'))).toEqual(['.uploads/dead.abc']);
    expect(await keys()).toContain('elsewhere/x');
    expect(await keys()).not.toContain('p/.uploads/dead.abc');
  });
});
