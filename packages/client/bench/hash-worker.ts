// The hashing-worker benchmark: the same client with worker hashing off, MAC + blob hash, or all
// three hashes on the worker, alternating runs against the CDN child, CPU per thread.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { connectEmulatorSignaling } from '@wa-media/emulator';
// Sources, like tsx resolves `@wa-media/*` here (tsconfig paths), so the internal knob below
// (size threshold and which hashes move) is the instance the client runs.
import { workerHashing } from '../src/internal/worker-hashing.ts';
import { createNodeMediaClient, fileSource } from '../src/node.ts';
// The set-up shared with the client-vs-Baileys bench (sample file, CDN child process).
import { cpuSeconds, median, startCdnChild, writeSample } from './support.ts';

const MB = Number(process.env.BENCH_MB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZE = MB * 1024 * 1024;
const DEFAULT_MIN_BYTES = workerHashing.minBytes;

/** CPU seconds per thread name (`comm`) of this process: which threads did the work. */
function cpuByThreadName(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const path = `/proc/self/task/${tid}/stat`;
      const stat = readFileSync(path, 'utf8');
      const name =
        tid === String(process.pid)
          ? 'main'
          : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(name, (out.get(name) ?? 0) + cpuSeconds(path));
    }
  } catch {
    // Not Linux: no breakdown.
  }
  return out;
}

const { dir, plainPath } = await writeSample(SIZE, 'wa-media-hash-worker-bench-');
const cdn = await startCdnChild(SIZE);
const cdnProcess = cdn.process;
const signaling = await connectEmulatorSignaling(cdn.control.url, {
  ownJid: '15550001111:2@s.whatsapp.net',
  token: cdn.control.token,
});
const client = createNodeMediaClient({
  signaling,
  cdn: { scheme: 'http', allowPrivateAddresses: true },
});
async function resetCdn(): Promise<void> {
  const response = await fetch(new URL('/_reset', cdn.control.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${cdn.control.token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  if (!response.ok) throw new Error(`reset failed: HTTP ${response.status}`);
}

// The blob every download reads; uploads reset the CDN (it keeps blobs in memory) and drop it.
type Uploaded = Awaited<ReturnType<typeof client.upload>>;
let seeded: Uploaded | undefined;
async function seed(): Promise<Uploaded> {
  seeded ??= await client.upload(await fileSource(plainPath), 'video', {
    mediaKey: new Uint8Array(randomBytes(32)),
  });
  return seeded;
}
async function dropBlobs(): Promise<void> {
  await resetCdn();
  seeded = undefined;
}

interface Sample {
  wall: number;
  main: number;
  others: number;
  cdn: number;
  /** CPU seconds per thread name (threads that ended during the run are missed). */
  threads: Map<string, number>;
}
const mainStat = `/proc/self/task/${process.pid}/stat`;
const cdnStat = `/proc/${cdnProcess.pid}/stat`;

async function sample(run: () => Promise<void>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const main0 = cpuSeconds(mainStat);
  const cdn0 = cpuSeconds(cdnStat);
  const threads0 = cpuByThreadName();
  const start = performance.now();
  await run();
  const threads = cpuByThreadName();
  for (const [name, seconds] of threads) threads.set(name, seconds - (threads0.get(name) ?? 0));
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const main = cpuSeconds(mainStat) - main0;
  return {
    wall,
    main,
    others: (cpu.user + cpu.system) / 1e6 - main,
    cdn: cpuSeconds(cdnStat) - cdn0,
    threads,
  };
}

const download = async (): Promise<void> =>
  void (await client.downloadToWriter(seeded as never, { write() {} }));
const upload = async (): Promise<void> =>
  void (await client.upload(await fileSource(plainPath), 'video', { sidecar: false }));
// `setup` runs before the timing (with the default threshold).
const OFF = Number.POSITIVE_INFINITY;
const ON = DEFAULT_MIN_BYTES;
const contenders: {
  name: string;
  minBytes: number;
  /** `hashInWorker: 'all'` (the default) or `true` (the two ciphertext hashes only). */
  allThree?: boolean;
  setup: () => Promise<unknown>;
  run: () => Promise<void>;
}[] = [
  { name: 'download, worker ×2', minBytes: ON, setup: seed, run: download },
  { name: 'download, worker ×3', minBytes: ON, allThree: true, setup: seed, run: download },
  { name: 'download, one thread', minBytes: OFF, setup: seed, run: download },
  { name: 'upload, worker ×2', minBytes: ON, setup: dropBlobs, run: upload },
  { name: 'upload, worker ×3', minBytes: ON, allThree: true, setup: dropBlobs, run: upload },
  { name: 'upload, one thread', minBytes: OFF, setup: dropBlobs, run: upload },
];

console.log(
  `client hash-worker bench — node ${process.version}, ${MB} MiB, ${RUNS} runs, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const results = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
for (let run = 0; run < RUNS; run++) {
  for (let i = 0; i < contenders.length; i++) {
    const contender = contenders[(i + run) % contenders.length]!;
    workerHashing.minBytes = DEFAULT_MIN_BYTES;
    workerHashing.split = 'all';
    await contender.setup();
    workerHashing.minBytes = contender.minBytes;
    workerHashing.split = contender.allThree === true ? 'all' : true;
    const s = await sample(contender.run);
    results.get(contender.name)!.push(s);
    console.log(
      `  run ${run + 1} ${contender.name.padEnd(22)} ${(s.wall * 1000).toFixed(0).padStart(6)} ms  main ${s.main.toFixed(2)} s  other threads ${s.others.toFixed(2)} s  CDN ${s.cdn.toFixed(2)} s`,
    );
  }
}
workerHashing.minBytes = DEFAULT_MIN_BYTES;
workerHashing.split = 'all';

const med = (name: string, key: keyof Sample): number =>
  median(results.get(name)!.map((s) => s[key]));
console.log('\nmedians:');
for (const { name } of contenders) {
  console.log(
    `  ${name.padEnd(22)} ${(med(name, 'wall') * 1000).toFixed(0).padStart(6)} ms  ${(MB / med(name, 'wall')).toFixed(0).padStart(5)} MiB/s  main ${med(name, 'main').toFixed(2)} s  other threads ${med(name, 'others').toFixed(2)} s  CDN ${med(name, 'cdn').toFixed(2)} s`,
  );
}
console.log('\nCPU seconds per thread name (medians):');
for (const { name } of contenders) {
  const samples = results.get(name)!;
  const names = [...new Set(samples.flatMap((s) => [...s.threads.keys()]))];
  const parts = names
    .map((thread) => [thread, median(samples.map((s) => s.threads.get(thread) ?? 0))] as const)
    .filter(([, seconds]) => seconds >= 0.005)
    .map(([thread, seconds]) => `${thread} ${seconds.toFixed(2)}`);
  console.log(`  ${name.padEnd(22)} ${parts.join(', ')}`);
}
for (const what of ['download', 'upload']) {
  const off = `${what}, one thread`;
  for (const on of [`${what}, worker ×2`, `${what}, worker ×3`]) {
    console.log(
      `${on.padEnd(20)} vs one thread ×${(med(off, 'wall') / med(on, 'wall')).toFixed(2)} (wall), main-thread CPU ×${(med(off, 'main') / med(on, 'main')).toFixed(2)}`,
    );
  }
}
console.log(
  `load after: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);

cdnProcess.stdin.end();
await rm(dir, { recursive: true, force: true });
process.exit(0);
