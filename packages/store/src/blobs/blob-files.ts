// File helpers of the local blob folder: streamed hashing, fsync of a file, grouped fsyncs of
// its directory, removal that tolerates a missing file.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';

/** SHA-256 of a file, streamed; undefined when it does not exist. */
export async function hashFile(path: string): Promise<Buffer | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return hash.digest();
}

/** Flushes a file's data (and the size needed to read it back) to disk. */
export async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.datasync();
  } finally {
    await file.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the files themselves are synced.
  } finally {
    await directory.close();
  }
}

/**
 * Directory fsyncs shared by the renames that wait for them (group commit): a caller whose
 * rename finished joins the next fsync not yet started, so concurrent commits pay one fsync
 * instead of one each, and none returns before an fsync that began after its rename.
 */
export class DirectorySync {
  readonly #dir: string;
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Resolves once every rename done in the directory before this call is on disk. */
  flush(): Promise<void> {
    if (this.#next !== undefined) return this.#next;
    const previous = this.#running ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => {
        // From here on, new callers need a later fsync than this one.
        this.#next = undefined;
        const running = syncDir(this.#dir);
        this.#running = running;
        return running.finally(() => {
          if (this.#running === running) this.#running = undefined;
        });
      });
    this.#next = next;
    return next;
  }
}

/** Removes a file; a missing file is fine. */
export async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
