import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VerifiedBlobs } from './verified-blobs.js';

describe('VerifiedBlobs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wa-media-verified-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('hashes a file once however often, and however concurrently, it is asked about', async () => {
    const bytes = randomBytes(300_000);
    const path = join(dir, 'blob');
    await writeFile(path, bytes);
    const sha = createHash('sha256').update(bytes).digest();
    const blobs = new VerifiedBlobs();
    const first = await Promise.all(
      Array.from({ length: 10 }, () => blobs.matches('a', path, sha)),
    );
    expect(first).toEqual(Array(10).fill(true));
    for (let i = 0; i < 50; i++) expect(await blobs.matches('a', path, sha)).toBe(true);
    expect(blobs.hashCount).toBe(1);
    // A download that just verified what it wrote: no hash at all.
    const other = new VerifiedBlobs();
    await other.remember('a', path);
    expect(await other.matches('a', path, sha)).toBe(true);
    expect(other.hashCount).toBe(0);
  });

  it('a changed file (same size, new mtime) is hashed again and found wrong; a missing one is false', async () => {
    const bytes = randomBytes(1000);
    const path = join(dir, 'blob');
    await writeFile(path, bytes);
    const sha = createHash('sha256').update(bytes).digest();
    const blobs = new VerifiedBlobs();
    expect(await blobs.matches('a', path, sha)).toBe(true);
    const changed = Buffer.from(bytes);
    changed[0]! ^= 1;
    await writeFile(path, changed);
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect(await blobs.matches('a', path, sha)).toBe(false);
    expect(blobs.hashCount).toBe(2);
    await rm(path);
    expect(await blobs.matches('a', path, sha)).toBe(false);
    expect(await blobs.matches('b', join(dir, 'never'), sha)).toBe(false);
  });
});
