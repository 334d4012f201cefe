// The BlobStore contract: what every backend (local folder, S3) must do, as one vitest suite
// run against each.

import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../ports/blob-store.js';

/** A backend under test and how to dispose of it. */
export interface ContractBackend {
  blobs: BlobStore;
  close(): Promise<void>;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

let counter = 0;
function newId(): string {
  counter++;
  return `contract${counter}${randomBytes(4).toString('hex')}`;
}

async function stageAndCommit(
  blobs: BlobStore,
  id: string,
  bytes: Buffer,
): Promise<number | undefined> {
  await writeFile(blobs.stagingPath(id), bytes);
  return blobs.commit(id, sha256(bytes));
}

/** Runs the contract against the backend `open` makes (once for the suite). */
export function describeBlobStoreContract(
  name: string,
  open: () => Promise<ContractBackend>,
): void {
  describe(`BlobStore contract: ${name}`, () => {
    let backend: ContractBackend;
    let blobs: BlobStore;
    beforeAll(async () => {
      backend = await open();
      blobs = backend.blobs;
    }, 60_000);
    afterAll(() => backend?.close());

    it('commits a verified staging file, then verifies, lists and opens it whole', async () => {
      const id = newId();
      const bytes = randomBytes(100_000);
      expect(await stageAndCommit(blobs, id, bytes)).toBe(bytes.length);
      expect(await blobs.verify(id, sha256(bytes))).toBe(bytes.length);
      expect(await blobs.list()).toContain(id);
      const opened = await blobs.open(id);
      expect(opened?.size).toBe(bytes.length);
      expect((await readAll(opened!.stream)).equals(bytes)).toBe(true);
    });

    it('opens an inclusive byte range, reporting the whole size', async () => {
      const id = newId();
      const bytes = randomBytes(5000);
      await stageAndCommit(blobs, id, bytes);
      const opened = await blobs.open(id, { start: 100, end: 1099 });
      expect(opened?.size).toBe(5000);
      expect((await readAll(opened!.stream)).equals(bytes.subarray(100, 1100))).toBe(true);
      const last = await blobs.open(id, { start: 4999, end: 4999 });
      expect((await readAll(last!.stream)).equals(bytes.subarray(4999))).toBe(true);
    });

    it('refuses a staging file that does not hash to the record and removes it', async () => {
      const id = newId();
      await writeFile(blobs.stagingPath(id), randomBytes(1000));
      expect(await blobs.commit(id, sha256(Buffer.from('something else')))).toBeUndefined();
      expect(await blobs.open(id)).toBeUndefined();
      expect(await blobs.list()).not.toContain(id);
      // Nothing left to commit a second time.
      expect(await blobs.commit(id, sha256(Buffer.from('x')))).toBeUndefined();
    });

    it('says undefined for a missing staging file and a missing blob', async () => {
      const id = newId();
      expect(await blobs.commit(id, sha256(Buffer.from('x')))).toBeUndefined();
      expect(await blobs.verify(id, sha256(Buffer.from('x')))).toBeUndefined();
      expect(await blobs.open(id)).toBeUndefined();
    });

    it('deletes a blob (and tolerates deleting a missing one)', async () => {
      const id = newId();
      const bytes = randomBytes(300);
      await stageAndCommit(blobs, id, bytes);
      await blobs.delete(id);
      await blobs.delete(id);
      expect(await blobs.open(id)).toBeUndefined();
      expect(await blobs.verify(id, sha256(bytes))).toBeUndefined();
      expect(await blobs.list()).not.toContain(id);
    });

    it('sweeps blobs not kept and staging leftovers, keeping the rest', async () => {
      const kept = newId();
      const orphan = newId();
      const leftover = newId();
      await stageAndCommit(blobs, kept, randomBytes(10));
      await stageAndCommit(blobs, orphan, randomBytes(10));
      await writeFile(blobs.stagingPath(leftover), randomBytes(10));
      // Too young to be a leftover when others may be writing.
      const everything = new Set(await blobs.list());
      everything.delete(orphan);
      expect(await blobs.sweep(everything, 60_000)).toEqual([]);
      const removed = await blobs.sweep(everything);
      expect(removed).toContain(orphan);
      expect(removed.some((name) => name.startsWith(leftover))).toBe(true);
      const left = await blobs.list();
      expect(left).toContain(kept);
      expect(left).not.toContain(orphan);
    });
  });
}
