// The store's directory and files are private to its user (0700 / 0600) whatever the umask:
// the database holds every message protobuf, media keys included.
import { chmod, mkdir, open } from 'node:fs/promises';

/** Mode of the store's directories. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of the store's files (database, lock, blobs). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) as 0700 whatever the umask (mkdir's mode is filtered by
 * it). An existing `dir` is set to 0700 only with `existing: 'restrict'`: a directory the
 * store owns (its `blobs/`), not one a user pointed it at.
 */
export async function ensurePrivateDir(
  dir: string,
  existing: 'restrict' | 'keep' = 'restrict',
): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined || existing === 'restrict') await chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `file` empty as 0600 if missing, and sets 0600 when it exists, before a library
 * (SQLite) opens it with its own default mode. SQLite gives its -wal and -shm files the
 * database file's mode.
 */
export async function ensurePrivateFile(file: string): Promise<void> {
  const handle = await open(file, 'a', PRIVATE_FILE_MODE);
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
  } finally {
    await handle.close();
  }
}
