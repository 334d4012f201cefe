// Throughput of store nodes sharing one PostgreSQL queue: media per second through 1, 2 and 3
// store processes (serve-fixture.ts children, concurrency 4 each) downloading from the emulator
// in this process, and the ratio to one node. Registration (HTTP, spread over the nodes) is
// inside the timing. Env: BENCH_MEDIA (default 150), BENCH_KB (default 64).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '@wa-media/emulator';
import { registerBody, seedImage } from '../src/test-support/media-fixtures.js';
import { startPostgres } from '../src/test-support/postgres-server.js';
import {
  callStore,
  type ServedStore,
  spawnServedStore,
  stopServedStore,
} from '../src/test-support/served-store.js';
import { startWebhookReceiver } from '../src/test-support/webhook-receiver.js';

const count = Number(process.env.BENCH_MEDIA ?? 150);
const sizeKb = Number(process.env.BENCH_KB ?? 64);

const server = await startPostgres();
const emulator = await startEmulator({ hosts: 2 });
const receiver = await startWebhookReceiver();

async function downloadedCount(node: ServedStore): Promise<number> {
  const response = await callStore(node, '/v1/status');
  const { status } = (await response.json()) as { status: { media: { downloaded: number } } };
  return status.media.downloaded;
}

async function run(nodeCount: number): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wa-media-bench-nodes-'));
  const database = await server.createDatabase(`bench_${nodeCount}`);
  const nodes = await Promise.all(
    Array.from({ length: nodeCount }, () =>
      spawnServedStore({ emulator, webhookUrl: receiver.url, dataDir, database, concurrency: 4 }),
    ),
  );
  const seeded = Array.from({ length: count }, () =>
    seedImage(emulator, { size: sizeKb * 1024, remember: false }),
  );
  const started = performance.now();
  await Promise.all(
    seeded.map((media, index) =>
      callStore(nodes[index % nodeCount]!, '/v1/media', {
        method: 'POST',
        body: JSON.stringify(registerBody(media)),
      }),
    ),
  );
  while ((await downloadedCount(nodes[0]!)) < count) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(nodes.map((node) => stopServedStore(node)));
  await rm(dataDir, { recursive: true, force: true });
  return count / seconds;
}

const rates: number[] = [];
for (const nodeCount of [1, 2, 3]) rates.push(await run(nodeCount));
console.log(
  `nodes bench: ${count} × ${sizeKb} KiB on one PostgreSQL queue, concurrency 4 per node`,
);
for (const [index, rate] of rates.entries()) {
  console.log(
    `  ${index + 1} node(s): ${rate.toFixed(1)} media/s  (${(rate / rates[0]!).toFixed(2)}× one node)`,
  );
}
await receiver.close();
await emulator.close();
await server.stop();
