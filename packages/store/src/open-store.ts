// Opening a store's backends and recovering what a previous process left: the SQLite + local
// folder pair under the data-dir lock, interrupted jobs, orphan blobs, records whose file is lost.

import { join, resolve } from 'node:path';
import { LocalBlobStore } from './blobs/local-blob-store.js';
import { ensurePrivateDir, ensurePrivateFile } from './blobs/private-paths.js';
import { lockDataDir } from './db/data-dir-lock.js';
import { PostgresMetadataStore } from './db/postgres-metadata-store.js';
import { SqliteMetadataStore } from './db/sqlite-metadata-store.js';
import { lostFileFailure } from './media/completion-events.js';
import type { BlobStore } from './ports/blob-store.js';
import type { MetadataStore } from './ports/metadata-store.js';

/** The opened backends of a store and how to let go of them. */
export interface OpenedBackends {
  metadata: MetadataStore;
  blobs: BlobStore;
  /** True when other nodes share them (PostgreSQL): leases, polling, careful sweeps. */
  shared: boolean;
  /** Closes the database and releases locks. */
  close(): Promise<void>;
}

const databaseFile = 'store.db';
const blobDirName = 'blobs';
// Not `store.lock`: that name held a PID in earlier versions; such a file is now ignored.
const lockFile = 'store.lock.db';

/**
 * Opens the one-machine backends in `dataDir`: `store.db` (SQLite) and `blobs/`, under an
 * exclusive lock so two stores never share the directory.
 * @throws {MediaStoreError} `locked` when another live store has it open.
 */
export async function openLocalBackends(dataDir: string): Promise<OpenedBackends> {
  const dir = resolve(dataDir);
  const blobDir = join(dir, blobDirName);
  // Private whatever the umask: the database holds every message, media keys included.
  await ensurePrivateDir(dir, 'keep');
  await ensurePrivateDir(blobDir);
  await ensurePrivateFile(join(dir, lockFile));
  const unlock = await lockDataDir(join(dir, lockFile));
  let metadata: SqliteMetadataStore;
  try {
    await ensurePrivateFile(join(dir, databaseFile));
    metadata = new SqliteMetadataStore(join(dir, databaseFile));
  } catch (error) {
    await unlock();
    throw error;
  }
  return {
    metadata,
    blobs: new LocalBlobStore(blobDir),
    shared: false,
    async close() {
      await metadata.close();
      await unlock();
    },
  };
}

/**
 * Opens the many-node backends: PostgreSQL (migrated on start, no directory lock: other nodes
 * share the database) and the blob folder `dataDir/blobs`.
 * @throws {Error} when the database cannot be reached or migrated.
 */
export async function openSharedBackends(
  dataDir: string,
  database: { connectionString: string; leaseMs: number; poolSize: number },
  onError: (error: unknown) => void,
): Promise<OpenedBackends> {
  const dir = resolve(dataDir);
  const blobDir = join(dir, blobDirName);
  // Private whatever the umask, like the one-machine layout.
  await ensurePrivateDir(dir, 'keep');
  await ensurePrivateDir(blobDir);
  const metadata = await PostgresMetadataStore.open({ ...database, onError });
  return {
    metadata,
    blobs: new LocalBlobStore(blobDir),
    shared: true,
    close: () => metadata.close(),
  };
}

// On a shared backend another node may be writing a blob right now: only what is older than
// any download could be is a leftover.
const sharedSweepMinAgeMs = 60 * 60 * 1000;

/**
 * Recovers what a previous process left, before any job runs: its running jobs become due
 * again, blobs without a record go, and records that say downloaded but lost their blob
 * (deleted by hand, a restored backup…) are fetched again rather than "not ready" forever.
 */
export async function recoverStore({ metadata, blobs, shared }: OpenedBackends): Promise<void> {
  await metadata.recoverInterruptedJobs(Date.now());
  await blobs.sweep(await metadata.ids(), shared ? sharedSweepMinAgeMs : 0);
  const present = await blobs.list();
  for (const id of await metadata.downloadedIds()) {
    if (!present.has(id)) await metadata.requeueLostFile(id, Date.now(), lostFileFailure);
  }
}
