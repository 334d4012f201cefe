// Child of throughput.ts: streams N MiB of plaintext through encryption and verified
// decryption, discarding the output, and prints start and peak RSS in bytes. Mode `library`
// pipes createEncryptStream → createDecryptStream; mode `bare` runs the bare node:crypto
// pipeline chunk by chunk, to show how much of the growth any node:crypto stream has.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { createDecryptStream, createEncryptStream } from '@wa-media/crypto';

const mb = Number(process.argv[2] ?? 64);
const mode = process.argv[3] ?? 'library';
const CHUNK = 64 * 1024;
const total = (mb * 1024 * 1024) / CHUNK;
const pool = Array.from({ length: 16 }, () => new Uint8Array(randomBytes(CHUNK)));
const mediaKey = new Uint8Array(randomBytes(32));

async function library(chunks: number): Promise<void> {
  let sent = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === chunks) controller.close();
      else controller.enqueue(pool[sent++ % pool.length]!);
    },
  });
  const encrypt = createEncryptStream('video', { mediaKey, sidecar: false });
  const decrypt = createDecryptStream({ type: 'video', mediaKey });
  await source.pipeThrough(encrypt).pipeThrough(decrypt).pipeTo(new WritableStream());
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
  }
  decipher.update(cipher.final());
  decipher.final();
}

// Warm up the code paths so the start figure includes the fixed cost.
if (mode === 'bare') bare(2);
else await library(2);
const start = process.memoryUsage.rss();
if (mode === 'bare') bare(total);
else await library(total);
const peak = process.resourceUsage().maxRSS * 1024;
console.log(JSON.stringify({ start, peak }));
