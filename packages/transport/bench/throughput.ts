// Throughput of each adapter over loopback, beside a bare node:http transfer measured in the
// same run. Each contender lives in its own worker process; they alternate within each round
// (order rotated per round); medians and ratios (adapter / bare throughput) are printed. Size and rounds: BENCH_MB (default 256), BENCH_RUNS (default 5).
//   pnpm --filter @wa-media/transport bench
//   BENCH_MB=32 BENCH_RUNS=1 pnpm --filter @wa-media/transport bench   (smoke run)
//   BENCH_VERBOSE=1 … also prints every timed run (in run order)

import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { createFetchClient, createKyClient, type HttpClient } from '../src/index.js';
import { createNodeHttpClient } from '../src/node.js';
import { downloadViaChunks, downloadViaReader } from './read-body.js';

const MiB = 1024 * 1024;
const sizeMb = Number(process.env.BENCH_MB ?? '256');
const runs = Number(process.env.BENCH_RUNS ?? '5');
const size = Math.round(sizeMb * MiB);
const CHUNK = 64 * 1024;
const CONTENDERS = [
  'bare node:http',
  'node chunks()',
  'node adapter',
  'fetch adapter',
  'ky adapter',
] as const;
type ContenderName = (typeof CONTENDERS)[number];
type Direction = 'download' | 'upload';

// Each contender runs in its own worker process: sharing one process lets a contender's JIT and
// heap state slow the next one down (measured: after a few fetch/ky transfers, bare node:http
// took ~3× the CPU time). The workers are driven in alternating rounds from this process, so
// load changes on the machine still hit every contender alike.

/** One contender: answers each `{ direction }` message with one timed transfer. */
async function runWorker(name: ContenderName, port: number): Promise<void> {
  const origin = `http://127.0.0.1:${port}`;
  const uploadChunk = new Uint8Array(CHUNK).fill(0x5a);
  async function* uploadSource(total: number): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < total; sent += CHUNK) {
      yield total - sent >= CHUNK ? uploadChunk : uploadChunk.subarray(0, total - sent);
    }
  }

  // The baseline: node:http with no library code, consumed through `data` events (the
  // cheapest way to take a response body on Node, so the strictest baseline).
  const bareAgent = new http.Agent({ keepAlive: true });
  const bareDownload = (): Promise<number> =>
    new Promise((resolve, reject) => {
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
  const bareUpload = (): Promise<number> =>
    new Promise((resolve, reject) => {
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

  // An adapter read the compatible way: `response.body.getReader()`.
  const adapterDownload = (client: HttpClient): Promise<number> =>
    downloadViaReader(client, `${origin}/bytes?size=${size}`);
  // The fast path: `response.chunks()`, no web stream in between.
  const adapterDownloadChunks = (client: HttpClient): Promise<number> =>
    downloadViaChunks(client, `${origin}/bytes?size=${size}`);
  const adapterUpload = async (client: HttpClient): Promise<number> => {
    const response = await client.request({
      method: 'PUT',
      url: `${origin}/upload`,
      body: uploadSource(size),
      contentLength: size,
    });
    return Number(new TextDecoder().decode(await new Response(response.body).arrayBuffer()));
  };

  const viaChunks = name === 'node chunks()';
  const node = name === 'node adapter' || viaChunks ? createNodeHttpClient() : null;
  const client: HttpClient | null =
    node ??
    (name === 'fetch adapter'
      ? createFetchClient()
      : name === 'ky adapter'
        ? createKyClient()
        : null);
  const transfer: Record<Direction, () => Promise<number>> = client
    ? {
        download: () => (viaChunks ? adapterDownloadChunks(client) : adapterDownload(client)),
        upload: () => adapterUpload(client),
      }
    : { download: bareDownload, upload: bareUpload };

  process.on('message', (message: { direction: Direction } | 'exit') => {
    if (message === 'exit') {
      node?.close();
      bareAgent.destroy();
      process.disconnect?.();
      return;
    }
    void (async () => {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      try {
        const moved = await transfer[message.direction]();
        const ms = performance.now() - start;
        const cpu = process.cpuUsage(cpuStart);
        process.send?.({ ms, cpuMs: (cpu.user + cpu.system) / 1000, moved });
      } catch (error) {
        process.send?.({ error: String(error) });
      }
    })();
  });
  process.send?.('ready');
}

/**
 * glibc's malloc trims the heap and moves its mmap threshold as 64 KiB socket buffers come and
 * go, and a process can settle in a mode where every chunk costs fresh pages: measured here,
 * bare node:http then took 200–480 ms instead of ~100 ms for 256 MiB, chosen at random per
 * process. Fixed thresholds (set for every contender alike, overridable from the environment)
 * keep that allocator lottery out of the ratios. No effect off glibc.
 */
const GLIBC_MALLOC_STEADY: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(4 * MiB),
  MALLOC_TRIM_THRESHOLD_: String(1024 * MiB),
};

/** The target for the node adapter: at least 0.9× a bare node:http transfer. */
const NODE_TARGET_RATIO = 0.9;

/** The node adapter against its target, and the other adapters' ratios for the record. */
function printSummary(ratios: ReadonlyMap<string, Partial<Record<Direction, number>>>): void {
  // Summary: the node adapter against its target — judged on the fast path (`chunks()` for
  // downloads; uploads have one path) — the other rows for the record.
  const formatRatio = (value: number | undefined): string =>
    value === undefined ? '   n/a' : `${value.toFixed(2).padStart(5)}×`;
  const nodeUpload = ratios.get('node adapter')?.upload;
  console.log(`\nsummary (${sizeMb} MiB × ${runs} runs, median ratio to bare node:http)`);
  console.log(
    `  ${'adapter'.padEnd(23)} download   upload  target (≥ ${NODE_TARGET_RATIO}× both ways)`,
  );
  const rows: [label: string, download: number | undefined, upload: number | undefined][] = [
    ['node, chunks()', ratios.get('node chunks()')?.download, nodeUpload],
    ['node, body.getReader()', ratios.get('node adapter')?.download, nodeUpload],
    [
      'fetch, body.getReader()',
      ratios.get('fetch adapter')?.download,
      ratios.get('fetch adapter')?.upload,
    ],
    ['ky, body.getReader()', ratios.get('ky adapter')?.download, ratios.get('ky adapter')?.upload],
  ];
  for (const [label, download, upload] of rows) {
    let verdict = '—  (reported only)';
    if (label === 'node, chunks()') {
      const met =
        download !== undefined &&
        upload !== undefined &&
        download >= NODE_TARGET_RATIO &&
        upload >= NODE_TARGET_RATIO;
      verdict = met ? '✓  met (the fast path is what the target is judged on)' : '✗  NOT met';
    }
    console.log(
      `  ${label.padEnd(23)} ${formatRatio(download)}   ${formatRatio(upload)}  ${verdict}`,
    );
  }
}

async function runMain(): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), {
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve) =>
    server.once('message', (message) => resolve((message as { port: number }).port)),
  );
  const workers = new Map<ContenderName, ChildProcess>();
  for (const name of CONTENDERS) {
    const worker = fork(self, [], {
      stdio: 'inherit',
      env: { ...GLIBC_MALLOC_STEADY, ...process.env, BENCH_WORKER: name, BENCH_PORT: String(port) },
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    workers.set(name, worker);
  }
  /** Wall time and the worker's CPU time (user + system) of one transfer, in ms. */
  const timeOne = (
    name: ContenderName,
    direction: Direction,
  ): Promise<{ ms: number; cpuMs: number }> =>
    new Promise((resolve, reject) => {
      const worker = workers.get(name)!;
      type Reply = { ms?: number; cpuMs?: number; moved?: number; error?: string };
      worker.once('message', (reply: Reply) => {
        if (reply.error !== undefined) reject(new Error(`${name} ${direction}: ${reply.error}`));
        else if (reply.moved !== size)
          reject(new Error(`${name} ${direction} moved ${reply.moved} of ${size} bytes`));
        else resolve({ ms: reply.ms!, cpuMs: reply.cpuMs! });
      });
      worker.send({ direction });
    });

  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };

  /** Median throughput ratio (adapter / bare, higher is better) per contender and direction. */
  const ratios = new Map<string, Partial<Record<Direction, number>>>();

  for (const direction of ['download', 'upload'] as const) {
    // `chunks()` only changes how a response body is read: its uploads are the node adapter's.
    const contenders = CONTENDERS.filter(
      (name) => direction === 'download' || name !== 'node chunks()',
    );
    const times = new Map<string, number[]>(contenders.map((name) => [name, []]));
    const cpuTimes = new Map<string, number[]>(contenders.map((name) => [name, []]));
    // Two untimed warm-ups per contender (JIT, connection set-up).
    for (let i = 0; i < 2; i++) for (const name of contenders) await timeOne(name, direction);
    for (let round = 0; round < runs; round++) {
      // Rotate the order each round so no contender always runs first.
      for (let i = 0; i < contenders.length; i++) {
        const name = contenders[(i + round) % contenders.length]!;
        const { ms, cpuMs } = await timeOne(name, direction);
        times.get(name)!.push(ms);
        cpuTimes.get(name)!.push(cpuMs);
      }
    }
    const bare = median(times.get('bare node:http')!);
    // CPU time of the client process: less sensitive than wall time to other load on the
    // machine, and on loopback the client is CPU-bound, so it tracks our per-chunk cost.
    const bareCpu = median(cpuTimes.get('bare node:http')!);
    console.log(`\n${direction} ${sizeMb} MiB × ${runs} runs (median)`);
    for (const name of contenders) {
      const ms = median(times.get(name)!);
      const mbps = (size / MiB / ms) * 1000;
      ratios.set(name, { ...ratios.get(name), [direction]: bare / ms });
      const each = process.env.BENCH_VERBOSE
        ? `  [${times
            .get(name)!
            .map((t) => t.toFixed(0))
            .join(' ')}]`
        : '';
      const cpuMs = median(cpuTimes.get(name)!);
      console.log(
        `  ${name.padEnd(16)} ${ms.toFixed(1).padStart(8)} ms ${mbps.toFixed(0).padStart(6)} MiB/s  ${(bare / ms).toFixed(2)}× bare  client CPU ${cpuMs.toFixed(0).padStart(4)} ms (${(bareCpu / cpuMs).toFixed(2)}×)${each}`,
      );
    }
  }

  printSummary(ratios);

  for (const worker of workers.values()) worker.send('exit');
  server.disconnect();
}

const role = process.env.BENCH_WORKER as ContenderName | undefined;
if (role) {
  await runWorker(role, Number(process.env.BENCH_PORT));
} else {
  await runMain();
}
