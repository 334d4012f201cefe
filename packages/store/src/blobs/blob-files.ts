// File helpers of the local blob folder: streamed hashing, fsync of a file and its directory,
// removal that tolerates a missing file.
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

/** Flushes a file and its directory entry to disk before the database says "downloaded". */
export async function syncFileAndDir(path: string, dir: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the file itself is synced.
  } finally {
    await directory.close();
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
