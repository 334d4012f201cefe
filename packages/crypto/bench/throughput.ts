// Throughput and memory of the streaming encryptor/decryptor, against the bare node:crypto
// pipeline measured in the same process. Run: pnpm bench (or BENCH_MB=32 BENCH_RUNS=1 for a
// smoke run). Figures are medians of alternating runs; ratios are library ÷ bare pipeline.
import { spawnSync } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  type CryptoBackend,
  createDecryptStream,
  createEncryptStream,
  MediaDecryptor,
  MediaEncryptor,
} from '@wa-media/crypto';
import { nobleBackend } from '@wa-media/crypto/backend/noble';
import { nodeBackend } from '@wa-media/crypto/backend/node';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;
const sizeMb = Number(process.env.BENCH_MB ?? 256);
const runs = Number(process.env.BENCH_RUNS ?? 5);
// noble is pure JS and much slower; keep its share of the run bounded.
const nobleMb = Number(process.env.BENCH_NOBLE_MB ?? Math.min(sizeMb, 64));
const rssSmallMb = Number(process.env.BENCH_RSS_SMALL_MB ?? 64);
const rssLargeMb = Number(process.env.BENCH_RSS_LARGE_MB ?? 1024);

// 16 distinct plaintext chunks reused round-robin: the input costs no memory of its own.
const pool = Array.from({ length: 16 }, () => new Uint8Array(randomBytes(CHUNK)));
const mediaKey = new Uint8Array(randomBytes(32));
const chunksFor = (mb: number): number => (mb * MiB) / CHUNK;

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

/** The bare node:crypto pipeline: AES-256-CBC + HMAC + SHA-256 of plaintext and blob. */
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
  if (
    !mac
      .digest()
      .subarray(0, 10)
      .equals(tail.subarray(tail.length - 10))
  )
    throw new Error('bad mac');
  blobHash.digest();
  plainHash.digest();
  return bytes + out.length;
}

function libraryEncrypt(chunks: number, backend: CryptoBackend, collect?: Uint8Array[]): number {
  const encryptor = new MediaEncryptor('document', { mediaKey, backend });
  for (let i = 0; i < chunks; i++) {
    const out = encryptor.update(pool[i % pool.length]!);
    collect?.push(out);
  }
  const { tail } = encryptor.finalize();
  collect?.push(tail);
  return encryptor.bytesOut;
}

function libraryDecrypt(blob: readonly Uint8Array[], backend: CryptoBackend): number {
  const decryptor = new MediaDecryptor({ type: 'document', mediaKey, backend });
  for (const chunk of blob) decryptor.update(chunk);
  decryptor.finalize();
  return decryptor.bytesOut;
}

// updateParts skips joining the withheld block to the next chunk's output (one copy less).
function libraryDecryptParts(blob: readonly Uint8Array[], backend: CryptoBackend): number {
  const decryptor = new MediaDecryptor({ type: 'document', mediaKey, backend });
  for (const chunk of blob) decryptor.updateParts(chunk);
  decryptor.finalize();
  return decryptor.bytesOut;
}

function sourceOf(chunks: number | readonly Uint8Array[]): ReadableStream<Uint8Array> {
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

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let bytes = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

async function streamEncrypt(chunks: number, backend: CryptoBackend): Promise<number> {
  return drain(
    sourceOf(chunks).pipeThrough(createEncryptStream('document', { mediaKey, backend })),
  );
}

async function streamDecrypt(blob: readonly Uint8Array[], backend: CryptoBackend): Promise<number> {
  const decrypt = createDecryptStream({ type: 'document', mediaKey, backend });
  const bytes = await drain(sourceOf(blob).pipeThrough(decrypt));
  await decrypt.info;
  return bytes;
}

async function time(fn: () => number | Promise<number>): Promise<number> {
  const start = process.hrtime.bigint();
  const bytes = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return bytes / MiB / seconds;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function measure(
  label: string,
  mb: number,
  contenders: Record<string, () => number | Promise<number>>,
): Promise<void> {
  const results: Record<string, number[]> = Object.fromEntries(
    Object.keys(contenders).map((k) => [k, []]),
  );
  const names = Object.keys(contenders);
  for (let run = 0; run < runs; run++) {
    // Alternate the order so warm-up and thermal drift hit everyone alike.
    const order = run % 2 === 0 ? names : [...names].reverse();
    for (const name of order) results[name]!.push(await time(contenders[name]!));
  }
  const baseline = median(results['bare node:crypto']!);
  console.log(`\n${label} (${mb} MiB in 64 KiB chunks, median of ${runs})`);
  for (const name of names) {
    const mbps = median(results[name]!);
    console.log(
      `  ${name.padEnd(22)} ${mbps.toFixed(0).padStart(6)} MiB/s   ×${(mbps / baseline).toFixed(2)}`,
    );
  }
}

console.log(`@wa-media/crypto throughput — node ${process.version}, ${sizeMb} MiB, ${runs} runs`);
const chunks = chunksFor(sizeMb);
const blob: Uint8Array[] = [];
libraryEncrypt(chunks, nodeBackend, blob);

await measure('encrypt', sizeMb, {
  'bare node:crypto': () => bareEncrypt(chunks),
  'MediaEncryptor node': () => libraryEncrypt(chunks, nodeBackend),
  'encrypt stream node': () => streamEncrypt(chunks, nodeBackend),
});
await measure('verified decrypt', sizeMb, {
  'bare node:crypto': () => bareDecrypt(blob),
  'MediaDecryptor node': () => libraryDecrypt(blob, nodeBackend),
  '  .updateParts node': () => libraryDecryptParts(blob, nodeBackend),
  'decrypt stream node': () => streamDecrypt(blob, nodeBackend),
});
blob.length = 0;

const nobleChunks = chunksFor(nobleMb);
const nobleBlob: Uint8Array[] = [];
libraryEncrypt(nobleChunks, nodeBackend, nobleBlob);
await measure('noble backend, encrypt', nobleMb, {
  'bare node:crypto': () => bareEncrypt(nobleChunks),
  'MediaEncryptor noble': () => libraryEncrypt(nobleChunks, nobleBackend),
});
await measure('noble backend, verified decrypt', nobleMb, {
  'bare node:crypto': () => bareDecrypt(nobleBlob),
  'MediaDecryptor noble': () => libraryDecrypt(nobleBlob, nobleBackend),
});
nobleBlob.length = 0;

// Peak RSS of a fresh process streaming N MiB through encrypt → verified decrypt; the bare
// node:crypto pipeline alongside, since every node:crypto output is a fresh buffer that the GC
// reclaims in batches (the growth plateaus at a few tens of MiB whatever the size).
const child = fileURLToPath(new URL('./rss-child.ts', import.meta.url));
function peakRss(mb: number, mode: 'library' | 'bare'): number {
  const result = spawnSync(process.execPath, ['--import', 'tsx', child, String(mb), mode], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`rss child failed: ${result.stderr}`);
  const { start, peak } = JSON.parse(result.stdout.trim().split('\n').pop()!);
  return (peak - start) / MiB;
}
console.log('\npeak RSS growth, fresh process each (createEncryptStream → createDecryptStream)');
for (const mode of ['library', 'bare'] as const) {
  const small = peakRss(rssSmallMb, mode);
  const large = peakRss(rssLargeMb, mode);
  console.log(
    `  ${mode.padEnd(8)} ${rssSmallMb} MiB: +${small.toFixed(1)} MiB   ${rssLargeMb} MiB: +${large.toFixed(1)} MiB   difference ${(large - small).toFixed(1)} MiB (target ≤ 16)`,
  );
}
