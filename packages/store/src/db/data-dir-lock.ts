// The one-machine data-directory lock: an exclusive SQLite lock the OS releases when the
// holding process dies, so two stores never share a directory.
import Database from 'better-sqlite3';
import { MediaStoreError } from '../errors.js';

/**
 * Takes the data directory's lock so two stores never run on one directory (the second would
 * put the first one's running jobs back to pending and download them twice).
 *
 * The lock is an exclusive SQLite lock (an OS file lock) held on `file` by an open
 * transaction, not a PID file: the operating system releases it the moment the holding process
 * dies, even by kill -9, so a stale lock cannot exist — and a new process that happens to get
 * the dead one's PID (PID 1 after a container restart) is never mistaken for the holder.
 * SQLite also refuses a second connection of the same process, so two stores in one process
 * are refused too.
 *
 * @throws {MediaStoreError} `locked` when another live store holds it.
 * @throws {Error} when the lock file cannot be created.
 * @returns a function that releases the lock
 */
export async function lockDataDir(file: string): Promise<() => Promise<void>> {
  const lock = new Database(file, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    // Never committed: the exclusive lock lives as long as this connection (or process).
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
      throw new MediaStoreError(
        'locked',
        'the data directory is in use by another live store (in this or another process): close it first',
        { cause: error },
      );
    }
    throw error;
  }
  return async () => {
    if (lock.open) lock.close();
  };
}
