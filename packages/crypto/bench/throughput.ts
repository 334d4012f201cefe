// Throughput and memory of every streaming form (chunk API, TransformStream, async iterable),
// both directions, each backend, against the bare node:crypto pipeline measured in the same
// process. Run: pnpm --filter @wa-media/crypto bench, after a build (smoke run: BENCH_MB=32
// BENCH_RUNS=1 BENCH_RSS=0).
//
// Method: one warm-up round, then BENCH_RUNS rounds; each round runs every contender once, in
// an order rotated from round to round (so warm-up, drift and the neighbours' load hit all
// alike). Each run starts after a minor GC (untimed), so it does not pay for the previous
// run's young garbage; the collections a run triggers itself are in its time, as in real use.
// Not a forced *full* GC: on Node 20 the run after one pays ~20 µs more per chunk in the WHATWG
// streams machinery (an identity TransformStream: 3 µs/chunk without, 23 µs with; it looks
// like optimised code being dropped and re-warmed) — a benchmark artefact, not a cost users
// see. Figures are medians; ratios are contender ÷ bare.
import { spawnSync } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  type CryptoBackend,
  createDecryptStream,
  createEncryptStream,
  decryptIterable,
  encryptIterable,
  MediaDecryptor,
  MediaEncryptor,
} from '@wa-media/crypto';
import { nobleBackend } from '@wa-media/crypto/backend/noble';
import { nodeBackend } from '@wa-media/crypto/backend/node';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const sizeMb = Number(process.env.BENCH_MB ?? 256);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
// noble is pure JS (~30 MiB/s): keep its share of the run bounded.
const nobleMb = Number(process.env.BENCH_NOBLE_MB ?? Math.min(sizeMb, 16));
const nobleRuns = Math.max(1, Number(process.env.BENCH_NOBLE_RUNS ?? Math.min(runs, 3)));
const rssSmallMb = Number(process.env.BENCH_RSS_SMALL_MB ?? 64);
const rssLargeMb = Number(process.env.BENCH_RSS_LARGE_MB ?? 1024);
const rssEnabled = process.env.BENCH_RSS !== '0';
const TARGET_RATIO = 0.9;
const TARGET_RSS_MB = 16;

// 16 distinct plaintext chunks reused round-robin: the input costs no memory of its own.
const pool = Array.from({ length: 16 }, () => new Uint8Array(randomBytes(CHUNK)));
const mediaKey = new Uint8Array(randomBytes(32));
const chunksFor = (mb: number): number => (mb * MiB) / CHUNK;

// ── the bare node:crypto pipeline ─────────────────────────────────────────────────────────

function keys(): { iv: Buffer; cipherKey: Buffer; macKey: Buffer } {
  const expanded = Buffer.from(
    hkdfSync('sha256', mediaKey, Buffer.alloc(32), 'WhatsApp Document Keys', 112),
  );
  return {
    iv: expanded.subarray(0, 16),
    cipherKey: expanded.subarray(16, 48),
    macKey: expanded.subarray(48, 80),
  };
}

/** AES-256-CBC + HMAC-SHA256 + SHA-256 of plaintext and blob, no library code around it. */
function bareEncrypt(chunks: number): number {
  const { iv, cipherKey, macKey } = keys();
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const mac = createHmac('sha256', macKey).update(iv);
  const plainHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let bytes = 0;
  for (let i = 0; i < chunks; i++) {
    const chunk = pool[i % pool.length]!;
    plainHash.update(chunk);
    const out = cipher.update(chunk);
    mac.update(out);
    blobHash.update(out);
    bytes += out.length;
  }
  const last = cipher.final();
  mac.update(last);
  const tail = Buffer.concat([last, mac.digest().subarray(0, 10)]);
  blobHash.update(tail);
  plainHash.digest();
  blobHash.digest();
  return bytes + tail.length;
}

function bareDecrypt(blob: readonly Uint8Array[]): number {
  const { iv, cipherKey, macKey } = keys();
  const decipher = createDecipheriv('aes-256-cbc', cipherKey, iv);
  const mac = createHmac('sha256', macKey).update(iv);
  const plainHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let bytes = 0;
  // The bare pipeline knows the layout: every chunk but the last is ciphertext only.
  for (let i = 0; i < blob.length - 1; i++) {
    const chunk = blob[i]!;
    blobHash.update(chunk);
    mac.update(chunk);
    const out = decipher.update(chunk);
    plainHash.update(out);
    bytes += out.length;
  }
  const tail = blob[blob.length - 1]!;
  blobHash.update(tail);
  mac.update(tail.subarray(0, tail.length - 10));
  const out = Buffer.concat([
    decipher.update(tail.subarray(0, tail.length - 10)),
    decipher.final(),
  ]);
  plainHash.update(out);
  const expected = mac.digest().subarray(0, 10);
  if (!expected.equals(tail.subarray(tail.length - 10))) throw new Error('bad mac');
  blobHash.digest();
  plainHash.digest();
  return bytes + out.length;
}

// ── the library's forms ───────────────────────────────────────────────────────────────────

interface Setup {
  backend: CryptoBackend;
  hashInWorker: boolean;
}

function encryptChunks(chunks: number, setup: Setup, collect?: Uint8Array[]): number {
  const encryptor = new MediaEncryptor('document', { mediaKey, ...setup });
  for (let i = 0; i < chunks; i++) {
    const out = encryptor.update(pool[i % pool.length]!);
    collect?.push(out);
  }
  const { tail } = encryptor.finalize();
  collect?.push(tail);
  return encryptor.bytesOut;
}

function decryptChunks(blob: readonly Uint8Array[], setup: Setup): number {
  const decryptor = new MediaDecryptor({ type: 'document', mediaKey, ...setup });
  for (const chunk of blob) decryptor.update(chunk);
  decryptor.finalize();
  return decryptor.bytesOut;
}

// updateParts returns the withheld block and the chunk's body apart (no join, one copy less).
function decryptChunkParts(blob: readonly Uint8Array[], setup: Setup): number {
  const decryptor = new MediaDecryptor({ type: 'document', mediaKey, ...setup });
  for (const chunk of blob) decryptor.updateParts(chunk);
  decryptor.finalize();
  return decryptor.bytesOut;
}

/** A pull source, as a file or a response body would be. */
function streamOf(chunks: number | readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let index = 0;
  const count = typeof chunks === 'number' ? chunks : chunks.length;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (index === count) controller.close();
        else
          controller.enqueue(
            typeof chunks === 'number' ? pool[index++ % pool.length]! : chunks[index++]!,
          );
      },
    },
    { highWaterMark: 0 },
  );
}

/** An async source, as `createReadStream` would be. */
async function* iterableOf(chunks: number | readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  if (typeof chunks === 'number') for (let i = 0; i < chunks; i++) yield pool[i % pool.length]!;
  else yield* chunks;
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

async function drainIterable(iterable: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const part of iterable) bytes += part.length;
  return bytes;
}

async function encryptStream(chunks: number, setup: Setup): Promise<number> {
  const encrypt = createEncryptStream('document', { mediaKey, ...setup });
  const bytes = await drain(streamOf(chunks).pipeThrough(encrypt));
  await encrypt.info;
  return bytes;
}

async function decryptStream(blob: readonly Uint8Array[], setup: Setup): Promise<number> {
  const decrypt = createDecryptStream({ type: 'document', mediaKey, ...setup });
  const bytes = await drain(streamOf(blob).pipeThrough(decrypt));
  await decrypt.info;
  return bytes;
}

async function encryptAsyncIterable(chunks: number, setup: Setup): Promise<number> {
  const encrypted = encryptIterable(iterableOf(chunks), 'document', { mediaKey, ...setup });
  const bytes = await drainIterable(encrypted);
  await encrypted.info;
  return bytes;
}

async function decryptAsyncIterable(blob: readonly Uint8Array[], setup: Setup): Promise<number> {
  const decrypted = decryptIterable(iterableOf(blob), { type: 'document', mediaKey, ...setup });
  const bytes = await drainIterable(decrypted);
  await decrypted.info;
  return bytes;
}

// ── measuring ─────────────────────────────────────────────────────────────────────────────

interface Row {
  form: string;
  direction: 'encrypt' | 'decrypt';
  backend: string;
  mbps: number;
  ratio: number;
  /** The same ratio on CPU time (all threads); steadier on a loaded machine. */
  cpuRatio: number;
  /** The same on the main thread's CPU time: with a worker, the gain an idle core would give. */
  mainRatio: number;
  /** Whether the ≥ 0.9× target applies (node backend, default settings). */
  targeted: boolean;
}
const rows: Row[] = [];

interface Contender {
  form: string;
  backend: string;
  targeted: boolean;
  run: () => number | Promise<number>;
}

interface Timing {
  /** MiB per second of wall-clock time. */
  wall: number;
  /** MiB per second of CPU time (all threads): what each byte costs, whatever the load. */
  cpu: number;
  /**
   * MiB per second of the main thread's CPU time (Linux; NaN elsewhere): the critical path.
   * With `hashInWorker` it shows what an idle second core would give, whatever the load now.
   */
  main: number;
}

// utime + stime of the main thread, in clock ticks (usually 10 ms: runs here last ≥ 0.2 s).
const TICKS_PER_SECOND = 100;
function mainThreadTicks(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

async function timed(run: () => number | Promise<number>): Promise<Timing> {
  gc({ type: 'minor' }); // start from an empty young generation, outside the timing
  const ticksStart = mainThreadTicks();
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const bytes = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const ticks = mainThreadTicks() - ticksStart;
  // Fewer than 20 ticks is too coarse to mean anything (short smoke runs).
  const mainSeconds = ticks >= 20 ? ticks / TICKS_PER_SECOND : Number.NaN;
  return {
    wall: bytes / MiB / seconds,
    cpu: bytes / MiB / ((cpu.user + cpu.system) / 1e6),
    main: bytes / MiB / mainSeconds,
  };
}

const times = (ratio: number): string => (Number.isNaN(ratio) ? '   —' : `×${ratio.toFixed(2)}`);

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function measure(
  direction: 'encrypt' | 'decrypt',
  mb: number,
  rounds: number,
  bare: () => number,
  contenders: readonly Contender[],
): Promise<void> {
  const all: Contender[] = [{ form: 'bare node:crypto', backend: '—', targeted: false, run: bare }];
  all.push(...contenders);
  const results = all.map((): Timing[] => []);
  for (const contender of all) await timed(contender.run); // warm-up, not counted
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < all.length; k++) {
      const index = (k + round) % all.length;
      results[index]!.push(await timed(all[index]!.run));
    }
  }
  const wallOf = (index: number): number => median(results[index]!.map((t) => t.wall));
  const cpuOf = (index: number): number => median(results[index]!.map((t) => t.cpu));
  const mainOf = (index: number): number => median(results[index]!.map((t) => t.main));
  const baseline = wallOf(0);
  const cpuBaseline = cpuOf(0);
  const mainBaseline = mainOf(0);
  console.log(`\n${direction} (${mb} MiB in 64 KiB chunks, median of ${rounds})`);
  all.forEach((contender, index) => {
    const mbps = wallOf(index);
    const ratio = mbps / baseline;
    const cpuRatio = cpuOf(index) / cpuBaseline;
    const mainRatio = mainOf(index) / mainBaseline;
    const spread = results[index]!.map((t) => (t.wall / baseline).toFixed(2)).join(' ');
    console.log(
      `  ${`${contender.form} ${contender.backend}`.padEnd(34)} ${mbps.toFixed(0).padStart(6)} MiB/s  ×${ratio.toFixed(2)}  cpu ×${cpuRatio.toFixed(2)}  main ${times(mainRatio)}   runs ×[${spread}]`,
    );
    if (index > 0) {
      rows.push({
        form: contender.form,
        direction,
        backend: contender.backend,
        mbps,
        ratio,
        cpuRatio,
        mainRatio,
        targeted: contender.targeted,
      });
    }
  });
}

function encryptContenders(chunks: number, backend: CryptoBackend): Contender[] {
  const name = backend.name;
  // The ≥ 0.9× target is the node backend's; noble is pure JS (reported, not targeted).
  const targeted = name === 'node';
  const plain: Setup = { backend, hashInWorker: false };
  const worker: Setup = { backend, hashInWorker: true };
  const list: Contender[] = [
    {
      form: 'chunk API',
      backend: name,
      targeted: targeted,
      run: () => encryptChunks(chunks, plain),
    },
    {
      form: 'TransformStream',
      backend: name,
      targeted: targeted,
      run: () => encryptStream(chunks, plain),
    },
    {
      form: 'async iterable',
      backend: name,
      targeted: targeted,
      run: () => encryptAsyncIterable(chunks, plain),
    },
  ];
  if (backend.sha256InWorker === undefined) return list;
  return list.concat([
    {
      form: 'chunk API',
      backend: `${name}+worker`,
      targeted: false,
      run: () => encryptChunks(chunks, worker),
    },
    {
      form: 'TransformStream',
      backend: `${name}+worker`,
      targeted: false,
      run: () => encryptStream(chunks, worker),
    },
    {
      form: 'async iterable',
      backend: `${name}+worker`,
      targeted: false,
      run: () => encryptAsyncIterable(chunks, worker),
    },
  ]);
}

function decryptContenders(blob: readonly Uint8Array[], backend: CryptoBackend): Contender[] {
  const name = backend.name;
  // The ≥ 0.9× target is the node backend's; noble is pure JS (reported, not targeted).
  const targeted = name === 'node';
  const plain: Setup = { backend, hashInWorker: false };
  const worker: Setup = { backend, hashInWorker: true };
  const list: Contender[] = [
    {
      form: 'chunk API update()',
      backend: name,
      targeted: targeted,
      run: () => decryptChunks(blob, plain),
    },
    {
      form: 'chunk API updateParts()',
      backend: name,
      targeted: targeted,
      run: () => decryptChunkParts(blob, plain),
    },
    {
      form: 'TransformStream',
      backend: name,
      targeted: targeted,
      run: () => decryptStream(blob, plain),
    },
    {
      form: 'async iterable',
      backend: name,
      targeted: targeted,
      run: () => decryptAsyncIterable(blob, plain),
    },
  ];
  if (backend.sha256InWorker === undefined) return list;
  return list.concat([
    {
      form: 'chunk API updateParts()',
      backend: `${name}+worker`,
      targeted: false,
      run: () => decryptChunkParts(blob, worker),
    },
    {
      form: 'TransformStream',
      backend: `${name}+worker`,
      targeted: false,
      run: () => decryptStream(blob, worker),
    },
    {
      form: 'async iterable',
      backend: `${name}+worker`,
      targeted: false,
      run: () => decryptAsyncIterable(blob, worker),
    },
  ]);
}

console.log(
  `@wa-media/crypto throughput — node ${process.version}, ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}, ${sizeMb} MiB (noble ${nobleMb} MiB), ${runs} runs`,
);

const chunks = chunksFor(sizeMb);
const blob: Uint8Array[] = [];
encryptChunks(chunks, { backend: nodeBackend, hashInWorker: false }, blob);
await measure(
  'encrypt',
  sizeMb,
  runs,
  () => bareEncrypt(chunks),
  encryptContenders(chunks, nodeBackend),
);
await measure(
  'decrypt',
  sizeMb,
  runs,
  () => bareDecrypt(blob),
  decryptContenders(blob, nodeBackend),
);
blob.length = 0;
gc();

const nobleChunks = chunksFor(nobleMb);
const nobleBlob: Uint8Array[] = [];
encryptChunks(nobleChunks, { backend: nodeBackend, hashInWorker: false }, nobleBlob);
await measure(
  'encrypt',
  nobleMb,
  nobleRuns,
  () => bareEncrypt(nobleChunks),
  encryptContenders(nobleChunks, nobleBackend),
);
await measure(
  'decrypt',
  nobleMb,
  nobleRuns,
  () => bareDecrypt(nobleBlob),
  decryptContenders(nobleBlob, nobleBackend),
);
nobleBlob.length = 0;

// ── memory: a fresh process per size and mode (see rss-child.ts for the method) ──────────

interface RssLine {
  mode: string;
  small: number;
  large: number;
}
const rssLines: RssLine[] = [];
if (rssEnabled) {
  const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
  const growth = (mb: number, mode: 'library' | 'bare'): number => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', child, String(mb), mode], {
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`rss child failed: ${result.stderr}`);
    const { start, peak } = JSON.parse(result.stdout.trim().split('\n').pop()!);
    return (peak - start) / MiB;
  };
  for (const mode of ['library', 'bare'] as const) {
    rssLines.push({ mode, small: growth(rssSmallMb, mode), large: growth(rssLargeMb, mode) });
  }
}

// ── summary ───────────────────────────────────────────────────────────────────────────────

const mark = (ok: boolean): string => (ok ? '✓' : '✗');
console.log(
  `\nsummary: ratio = wall-clock MiB/s ÷ bare node:crypto's in the same process (target ≥ ${TARGET_RATIO}× for the node backend); cpu = the same on the CPU time of all threads (steadier on a loaded machine); main = on the main thread's CPU time (with +worker: what an idle second core gives)`,
);
console.log(
  `  ${'form'.padEnd(24)} ${'direction'.padEnd(9)} ${'backend'.padEnd(12)} ${'MiB/s'.padStart(6)}  ratio  target  cpu    main`,
);
for (const row of rows) {
  const target = row.targeted ? mark(row.ratio >= TARGET_RATIO) : '—';
  console.log(
    `  ${row.form.padEnd(24)} ${row.direction.padEnd(9)} ${row.backend.padEnd(12)} ${row.mbps.toFixed(0).padStart(6)}  ×${row.ratio.toFixed(2)}  ${target.padEnd(6)}  ×${row.cpuRatio.toFixed(2)}  ${times(row.mainRatio)}`,
  );
}
if (rssLines.length > 0) {
  console.log(
    `\npeak RSS growth, fresh process each, GC every 4 MiB (encrypt stream → decrypt stream; bare = node:crypto loop)`,
  );
  for (const { mode, small, large } of rssLines) {
    const difference = large - small;
    const target =
      mode === 'library'
        ? `  ${mark(difference <= TARGET_RSS_MB)} (target ≤ ${TARGET_RSS_MB})`
        : '';
    console.log(
      `  ${mode.padEnd(8)} ${rssSmallMb} MiB: +${small.toFixed(1)} MiB   ${rssLargeMb} MiB: +${large.toFixed(1)} MiB   difference ${difference.toFixed(1)} MiB${target}`,
    );
  }
}
