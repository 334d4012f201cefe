// Store overhead benchmark: N verified downloads from the local emulator, (a) straight through
// the client's downloadToFile (the baseline) and (b) through the store (SQLite queue, fsync,
// SHA-256 re-check of the stored file, outbox), both with the same concurrency, in one process.
// Prints medians and the store/baseline ratio. Env: BENCH_MEDIA (count, default 40),
// BENCH_KB (size, default 256), BENCH_RUNS (default 5).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeMediaClient } from '@wa-media/client/node';
import { startEmulator } from '@wa-media/emulator';
import { createMediaStore } from '../src/index.js';
import { seedImage } from '../src/test-support/media-fixtures.js';

const count = Number(process.env.BENCH_MEDIA ?? 40);
const sizeKb = Number(process.env.BENCH_KB ?? 256);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const concurrency = 4;

const emulator = await startEmulator({ hosts: 2, control: false });
const client = createNodeMediaClient({
  cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: emulator.hostnames },
});
// The seeded media's message is all the bench needs: the phone need not remember it.
const messages = Array.from(
  { length: count },
  () => seedImage(emulator, { size: sizeKb * 1024, remember: false }).message,
);

async function baseline(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'wa-media-bench-direct-'));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const index = next++;
        await client.downloadToFile(messages[index]!, join(dir, String(index)));
      }
    }),
  );
  const elapsed = performance.now() - started;
  await rm(dir, { recursive: true, force: true });
  return elapsed;
}

async function throughStore(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wa-media-bench-store-'));
  const store = await createMediaStore({
    client,
    dataDir,
    concurrency,
    perHostConcurrency: concurrency,
  });
  const started = performance.now();
  const ids: string[] = [];
  for (const [index, message] of messages.entries()) {
    const { id } = await store.register(message, {
      msgId: `BENCH${index}`,
      chatJid: '15550002222@s.whatsapp.net',
      isFromMe: false,
    });
    ids.push(id);
  }
  // One indexed read per poll, walking the ids: the wait itself costs the store little.
  for (const id of ids) {
    while ((await store.get(id))?.status !== 'downloaded') {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
  const elapsed = performance.now() - started;
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  return elapsed;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

await baseline(); // warm-up
const direct: number[] = [];
const stored: number[] = [];
for (let run = 0; run < runs; run++) {
  direct.push(await baseline());
  stored.push(await throughStore());
}
const directMs = median(direct);
const storeMs = median(stored);
const mb = (count * sizeKb) / 1024;
console.log(
  `store bench: ${count} × ${sizeKb} KiB, concurrency ${concurrency}, ${runs} runs (medians)`,
);
console.log(
  `  client.downloadToFile (baseline): ${directMs.toFixed(1)} ms  ${(mb / (directMs / 1000)).toFixed(1)} MiB/s`,
);
console.log(
  `  store register → downloaded:      ${storeMs.toFixed(1)} ms  ${(mb / (storeMs / 1000)).toFixed(1)} MiB/s`,
);
console.log(
  `  ratio store / baseline: ${(storeMs / directMs).toFixed(2)}× the time (per media overhead ${((storeMs - directMs) / count).toFixed(2)} ms)`,
);
await emulator.close();
