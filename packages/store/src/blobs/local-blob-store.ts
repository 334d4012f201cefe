// The local-folder BlobStore: one file per verified blob in `dir`, named by media id. Downloads
// land in `<id>.staging` beside it and are renamed into place after they verify.

import { chmod, open, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { BlobRange, BlobReadable, BlobStore } from '../ports/blob-store.js';
import { DirectorySync, hashFile, removeFile, syncFile } from './blob-files.js';
import { PRIVATE_FILE_MODE } from './private-paths.js';
import { VerifiedBlobs } from './verified-blobs.js';

const stagingSuffix = '.staging';

/** A {@link BlobStore} in a local directory (which must exist). */
export class LocalBlobStore implements BlobStore {
  readonly kind = 'local';
  readonly #dir: string;
  readonly #verified = new VerifiedBlobs();
  readonly #dirSync: DirectorySync;

  constructor(dir: string) {
    this.#dir = dir;
    this.#dirSync = new DirectorySync(dir);
  }

  stagingPath(id: string): string {
    return join(this.#dir, `${id}${stagingSuffix}`);
  }

  async commit(id: string, sha256: Uint8Array): Promise<number | undefined> {
    const staging = this.stagingPath(id);
    const digest = await hashFile(staging);
    // The client verified, but the record promises bytes that hash to fileSha256: check what is
    // actually on disk before saying so.
    if (digest === undefined || !digest.equals(sha256)) {
      await removeFile(staging);
      return undefined;
    }
    const target = join(this.#dir, id);
    const { size } = await stat(staging);
    // Whatever mode the client gave its file, a blob is private.
    await chmod(staging, PRIVATE_FILE_MODE);
    await rename(staging, target);
    // Flushed before the database says "downloaded": the file, then its name (one directory
    // fsync shared by the commits that finish meanwhile).
    await syncFile(target);
    await this.#dirSync.flush();
    await this.#verified.remember(id, target);
    return size;
  }

  async verify(id: string, sha256: Uint8Array): Promise<number | undefined> {
    const path = join(this.#dir, id);
    // Asked on every GET …/download: a file seen to match and unchanged since is not reread.
    if (!(await this.#verified.matches(id, path, sha256))) return undefined;
    return (await stat(path)).size;
  }

  async open(id: string, range?: BlobRange): Promise<BlobReadable | undefined> {
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(join(this.#dir, id), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await file.stat();
      const stream = file.createReadStream({
        highWaterMark: 256 * 1024,
        ...(range === undefined ? {} : { start: range.start, end: range.end }),
      });
      return { size, stream: Readable.toWeb(stream) as ReadableStream<Uint8Array> };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    this.#verified.forget(id);
    await removeFile(join(this.#dir, id));
    await removeFile(this.stagingPath(id));
  }

  async sweep(keep: ReadonlySet<string>, minAgeMs = 0): Promise<string[]> {
    const removed: string[] = [];
    const before = Date.now() - minAgeMs;
    for (const name of await readdir(this.#dir)) {
      if (keep.has(name)) continue;
      const path = join(this.#dir, name);
      if (minAgeMs > 0 && ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) > before) {
        continue;
      }
      await removeFile(path);
      removed.push(name);
    }
    return removed;
  }

  async list(): Promise<Set<string>> {
    const names = await readdir(this.#dir);
    return new Set(names.filter((name) => !name.includes('.')));
  }
}
