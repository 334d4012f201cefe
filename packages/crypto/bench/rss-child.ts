// Child of throughput.ts, one fresh process per measurement: streams N MiB of plaintext through
// encryption and verified decryption, discarding the output, and prints RSS figures in bytes.
// Mode `library` pipes createEncryptStream → createDecryptStream; mode `bare` runs the bare
// node:crypto pipeline chunk by chunk. Both use the same method, so their growths compare:
//   - warm up, collect garbage, then take `start`;
//   - collect garbage every 4 MiB, so the figure is what stays alive, not how late V8 got
//     round to freeing node:crypto's output buffers (that timing varies from run to run);
//   - sample RSS every 1 MiB and report the highest sample as `peak`.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createDecryptStream, createEncryptStream } from '@wa-media/crypto';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const mb = Number(process.argv[2] ?? 64);
const mode = process.argv[3] ?? 'library';
const CHUNK = 64 * 1024;
const SAMPLE_EVERY = 16; // chunks (1 MiB)
const GC_EVERY = 64; // chunks (4 MiB)
const total = (mb * 1024 * 1024) / CHUNK;
const pool = Array.from({ length: 16 }, () => new Uint8Array(randomBytes(CHUNK)));
const mediaKey = new Uint8Array(randomBytes(32));

let peak = 0;
let measuring = false;
function tick(chunk: number): void {
  if (!measuring) return;
  if (chunk % GC_EVERY === 0) gc();
  if (chunk % SAMPLE_EVERY === 0) peak = Math.max(peak, process.memoryUsage.rss());
}

async function library(chunks: number): Promise<void> {
  let sent = 0;
  let received = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) controller.close();
      else controller.enqueue(pool[sent++ % pool.length]!);
    },
  });
  const encrypt = createEncryptStream('video', { mediaKey, sidecar: false });
  const decrypt = createDecryptStream({ type: 'video', mediaKey });
  const sink = new WritableStream<Uint8Array>({
    write(chunk) {
      const before = Math.floor(received / CHUNK);
      received += chunk.length;
      if (Math.floor(received / CHUNK) !== before) tick(Math.floor(received / CHUNK));
    },
  });
  await source.pipeThrough(encrypt).pipeThrough(decrypt).pipeTo(sink);
  const info = await decrypt.info;
  if (info.fileLength !== chunks * CHUNK) throw new Error('length mismatch');
}

function bare(chunks: number): void {
  const key = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const decipher = createDecipheriv('aes-256-cbc', key, iv);
  const hashes = [createHash('sha256'), createHash('sha256'), createHash('sha256')] as const;
  const macs = [createHmac('sha256', key), createHmac('sha256', key)] as const;
  for (let i = 0; i < chunks; i++) {
    const plain = pool[i % pool.length]!;
    hashes[0].update(plain);
    const encrypted = cipher.update(plain);
    macs[0].update(encrypted);
    hashes[1].update(encrypted);
    macs[1].update(encrypted);
    hashes[2].update(decipher.update(encrypted));
    tick(i + 1);
  }
  decipher.update(cipher.final());
  decipher.final();
}

// Warm up the code paths so `start` includes the fixed cost (compiled code, stream classes).
if (mode === 'bare') bare(64);
else await library(64);
gc();
const start = process.memoryUsage.rss();
peak = start;
measuring = true;
if (mode === 'bare') bare(total);
else await library(total);
console.log(JSON.stringify({ start, peak }));
