// Opening a store's backends and recovering what a previous process left: the SQLite + local
// folder pair under the data-dir lock, interrupted jobs, orphan blobs, records whose file is lost.

import { join, resolve } from 'node:path';
import { LocalBlobStore } from './blobs/local-blob-store.js';
import { ensurePrivateDir, ensurePrivateFile } from './blobs/private-paths.js';
import { S3BlobStore } from './blobs/s3-blob-store.js';
import type { S3BlobOptions, S3Location } from './blobs/s3-location.js';
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
const stagingDirName = 'staging';

/** The bucket of the blobs, when not the local folder. */
export type BlobTarget = { location: S3Location; options: S3BlobOptions } | undefined;

// The local folder `dataDir/blobs`, or the bucket with downloads staged in `dataDir/staging`.
async function openBlobs(dir: string, target: BlobTarget): Promise<LocalBlobStore | S3BlobStore> {
  if (target === undefined) {
    const blobDir = join(dir, blobDirName);
    await ensurePrivateDir(blobDir);
    return new LocalBlobStore(blobDir);
  }
  const stagingDir = join(dir, stagingDirName);
  await ensurePrivateDir(stagingDir);
  return new S3BlobStore(target.location, stagingDir, target.options);
}

function closeBlobs(blobs: LocalBlobStore | S3BlobStore): void {
  if (blobs instanceof S3BlobStore) blobs.close();
}
// Not `store.lock`: that name held a PID in earlier versions; such a file is now ignored.
const lockFile = 'store.lock.db';

/**
 * Opens the one-machine backends in `dataDir`: `store.db` (SQLite) and `blobs/`, under an
 * exclusive lock so two stores never share the directory.
 * @throws {MediaStoreError} `locked` when another live store has it open.
 */
export async function openLocalBackends(
  dataDir: string,
  target?: BlobTarget,
): Promise<OpenedBackends> {
  const dir = resolve(dataDir);
  // Private whatever the umask: the database holds every message, media keys included.
  await ensurePrivateDir(dir, 'keep');
  const blobs = await openBlobs(dir, target);
  await ensurePrivateFile(join(dir, lockFile));
  const unlock = await lockDataDir(join(dir, lockFile));
  let metadata: SqliteMetadataStore;
  try {
    await ensurePrivateFile(join(dir, databaseFile));
    metadata = new SqliteMetadataStore(join(dir, databaseFile));
  } catch (error) {
    closeBlobs(blobs);
    await unlock();
    throw error;
  }
  return {
    metadata,
    blobs,
    shared: false,
    async close() {
      closeBlobs(blobs);
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
  target?: BlobTarget,
): Promise<OpenedBackends> {
  const dir = resolve(dataDir);
  // Private whatever the umask, like the one-machine layout.
  await ensurePrivateDir(dir, 'keep');
  const blobs = await openBlobs(dir, target);
  let metadata: PostgresMetadataStore;
  try {
    metadata = await PostgresMetadataStore.open({ ...database, onError });
  } catch (error) {
    closeBlobs(blobs);
    throw error;
  }
  return {
    metadata,
    blobs,
    shared: true,
    async close() {
      closeBlobs(blobs);
      await metadata.close();
    },
  };
}

// On a shared backend (or a bucket other nodes may write) another node may be writing a blob
// right now: only what is older than any download could be is a leftover.
const sharedSweepMinAgeMs = 60 * 60 * 1000;

/**
 * Recovers what a previous process left, before any job runs: its running jobs become due
 * again, blobs without a record go, and records that say downloaded but lost their blob
 * (deleted by hand, a restored backup…) are fetched again rather than "not ready" forever.
 */
export async function recoverStore({ metadata, blobs, shared }: OpenedBackends): Promise<void> {
  await metadata.recoverInterruptedJobs(Date.now());
  await blobs.sweep(
    await metadata.ids(),
    shared || blobs.kind !== 'local' ? sharedSweepMinAgeMs : 0,
  );
  const present = await blobs.list();
  for (const id of await metadata.downloadedIds()) {
    if (!present.has(id)) await metadata.requeueLostFile(id, Date.now(), lostFileFailure);
  }
}
