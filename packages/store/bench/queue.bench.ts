// Queue cost per job, PostgreSQL against SQLite: the metadata port's share of one download
// (register = insertWithJob, claim, complete with its outbox event), with no download at all.
// PostgreSQL is a real server started for the run (test-support/postgres-server.ts) on loopback.
// Env: BENCH_JOBS (default 500), BENCH_BATCH (claim size, default 4).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresMetadataStore } from '../src/db/postgres-metadata-store.js';
import { SqliteMetadataStore } from '../src/db/sqlite-metadata-store.js';
import type { MetadataStore, NewMedia } from '../src/ports/metadata-store.js';
import { startPostgres } from '../src/test-support/postgres-server.js';

const jobs = Number(process.env.BENCH_JOBS ?? 500);
const batch = Number(process.env.BENCH_BATCH ?? 4);

function media(index: number): NewMedia {
  return {
    id: randomBytes(16).toString('base64url'),
    chatJid: '15550002222@s.whatsapp.net',
    msgId: `BENCH${index}`,
    isFromMe: false,
    participant: undefined,
    type: 'image',
    mimeType: 'image/jpeg',
    fileSha256: randomBytes(32),
    fileLength: 1000,
    hostKey: 'mmg.whatsapp.net',
    message: randomBytes(300),
  };
}

// Register every job, then claim `batch` at a time and complete each (with a webhook event),
// as the queue does. @returns ms per job
async function perJob(store: MetadataStore): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < jobs; index++) await store.insertWithJob(media(index), Date.now());
  let done = 0;
  while (done < jobs) {
    const claimed = await store.claimDueJobs({
      now: Date.now(),
      limit: batch,
      excludeHosts: [],
      excludeIds: [],
    });
    await Promise.all(
      claimed.map((job) =>
        store.completeDownloaded(job.media_id, 1000, Date.now(), {
          eventId: randomBytes(16).toString('hex'),
          mediaId: job.media_id,
          kind: 'downloaded',
          body: '{}',
        }),
      ),
    );
    done += claimed.length;
  }
  return (performance.now() - started) / jobs;
}

const dir = await mkdtemp(join(tmpdir(), 'wa-media-bench-queue-'));
const sqlite = new SqliteMetadataStore(join(dir, 'store.db'));
const sqliteMs = await perJob(sqlite);
await sqlite.close();

const server = await startPostgres();
const postgres = await PostgresMetadataStore.open({
  connectionString: await server.createDatabase('bench'),
  leaseMs: 30_000,
  poolSize: 10,
  onError: () => undefined,
});
const postgresMs = await perJob(postgres);
await postgres.close();
await server.stop();
await rm(dir, { recursive: true, force: true });

console.log(`queue bench: ${jobs} jobs (register → claim ×${batch} → complete + outbox event)`);
console.log(`  SQLite (WAL, fsync on register):        ${sqliteMs.toFixed(3)} ms/job`);
console.log(`  PostgreSQL 15 (loopback, fsync off):    ${postgresMs.toFixed(3)} ms/job`);
console.log(`  PostgreSQL / SQLite: ${(postgresMs / sqliteMs).toFixed(2)}×`);
