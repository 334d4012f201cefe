// Throughput of each adapter over loopback, beside a bare node:http transfer measured in the
// same run. Contenders alternate within each round; medians and ratios (adapter / bare
// throughput) are printed. Size and rounds: BENCH_MB (default 256), BENCH_RUNS (default 5).
//   pnpm --filter @wa-media/transport bench
//   BENCH_MB=32 BENCH_RUNS=1 pnpm --filter @wa-media/transport bench   (smoke run)

import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createFetchClient, createKyClient, type HttpClient } from '../src/index.js';
import { createNodeHttpClient } from '../src/node.js';

const MiB = 1024 * 1024;
const sizeMb = Number(process.env.BENCH_MB ?? '256');
const runs = Number(process.env.BENCH_RUNS ?? '5');
const size = Math.round(sizeMb * MiB);
const CHUNK = 64 * 1024;
const uploadChunk = new Uint8Array(CHUNK).fill(0x5a);

const child = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), { stdio: 'inherit' });
const port = await new Promise<number>((resolve) =>
  child.once('message', (message) => resolve((message as { port: number }).port)),
);
const origin = `http://127.0.0.1:${port}`;

async function* uploadSource(total: number): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < total; sent += CHUNK) {
    yield total - sent >= CHUNK ? uploadChunk : uploadChunk.subarray(0, total - sent);
  }
}

const bareAgent = new http.Agent({ keepAlive: true });

function bareDownload(): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${origin}/bytes?size=${size}`, { agent: bareAgent }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function bareUpload(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/upload`, {
      method: 'PUT',
      agent: bareAgent,
      headers: { 'content-length': String(size) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve(Number(text)));
    });
    void (async () => {
      for await (const chunk of uploadSource(size)) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })();
  });
}

async function adapterDownload(client: HttpClient): Promise<number> {
  const response = await client.request({ url: `${origin}/bytes?size=${size}` });
  const reader = response.body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

async function adapterUpload(client: HttpClient): Promise<number> {
  const response = await client.request({
    method: 'PUT',
    url: `${origin}/upload`,
    body: uploadSource(size),
    contentLength: size,
  });
  return Number(new TextDecoder().decode(await new Response(response.body).arrayBuffer()));
}

const node = createNodeHttpClient();
const contenders: {
  name: string;
  download: () => Promise<number>;
  upload: () => Promise<number>;
}[] = [
  { name: 'bare node:http', download: bareDownload, upload: bareUpload },
  {
    name: 'node adapter',
    download: () => adapterDownload(node),
    upload: () => adapterUpload(node),
  },
  {
    name: 'fetch adapter',
    download: () => adapterDownload(fetchClient),
    upload: () => adapterUpload(fetchClient),
  },
  {
    name: 'ky adapter',
    download: () => adapterDownload(kyClient),
    upload: () => adapterUpload(kyClient),
  },
];
const fetchClient = createFetchClient();
const kyClient = createKyClient();

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Median throughput ratio (adapter / bare, higher is better) per contender and direction. */
const ratios = new Map<string, Partial<Record<'download' | 'upload', number>>>();
/** The target for the node adapter: at least 0.9× a bare node:http transfer. */
const NODE_TARGET_RATIO = 0.9;

for (const direction of ['download', 'upload'] as const) {
  const times = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  // One untimed warm-up per contender (JIT, connection set-up).
  for (const contender of contenders) await contender[direction]();
  for (let round = 0; round < runs; round++) {
    // Rotate the order each round so no contender always runs first.
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length]!;
      const start = performance.now();
      const moved = await contender[direction]();
      const elapsed = performance.now() - start;
      if (moved !== size)
        throw new Error(`${contender.name} ${direction} moved ${moved} of ${size} bytes`);
      times.get(contender.name)!.push(elapsed);
    }
  }
  const bare = median(times.get('bare node:http')!);
  console.log(`\n${direction} ${sizeMb} MiB × ${runs} runs (median)`);
  for (const contender of contenders) {
    const ms = median(times.get(contender.name)!);
    const mbps = (size / MiB / ms) * 1000;
    ratios.set(contender.name, { ...ratios.get(contender.name), [direction]: bare / ms });
    console.log(
      `  ${contender.name.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms ${mbps.toFixed(0).padStart(6)} MiB/s  ${(bare / ms).toFixed(2)}× bare`,
    );
  }
}

// Summary: the node adapter against its target, the other adapters' ratios for the record.
const formatRatio = (value: number | undefined): string =>
  value === undefined ? '   n/a' : `${value.toFixed(2).padStart(5)}×`;
console.log(`\nsummary (${sizeMb} MiB × ${runs} runs, median ratio to bare node:http)`);
console.log(
  `  ${'adapter'.padEnd(16)} download   upload  target (≥ ${NODE_TARGET_RATIO}× both ways)`,
);
for (const contender of contenders) {
  if (contender.name === 'bare node:http') continue;
  const { download, upload } = ratios.get(contender.name) ?? {};
  let verdict = '—  (reported only)';
  if (contender.name === 'node adapter') {
    const met =
      download !== undefined &&
      upload !== undefined &&
      download >= NODE_TARGET_RATIO &&
      upload >= NODE_TARGET_RATIO;
    verdict = met ? '✓  met' : '✗  NOT met';
  }
  console.log(
    `  ${contender.name.padEnd(16)} ${formatRatio(download)}   ${formatRatio(upload)}  ${verdict}`,
  );
}

node.close();
bareAgent.destroy();
child.disconnect();
