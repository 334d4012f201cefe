// Profiling helper (not a benchmark): runs only wa-media's download and/or upload path a few
// times against the emulator in its own process, so `node --cpu-prof` shows where our time goes.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx profile-client.ts
// Env: BENCH_MB (default 64), BENCH_RUNS (default 3), PROFILE (download | upload | both).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeMediaClient, fileSource } from '@wa-media/client/node';
import { encryptedLength } from '@wa-media/crypto';
import { connectEmulatorSignaling } from '@wa-media/emulator';

const MB = Number(process.env.BENCH_MB ?? 64);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const WHAT = process.env.PROFILE ?? 'both';
const SIZE = MB * 1024 * 1024;

const dir = await mkdtemp(join(tmpdir(), 'wa-media-profile-'));
const plainPath = join(dir, 'plain.bin');
await writeFile(plainPath, randomBytes(SIZE));
const cdnProcess = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    fileURLToPath(new URL('../../packages/client/bench/cdn-child.ts', import.meta.url)),
  ],
  {
    env: { ...process.env, BENCH_MAX_UPLOAD: String(encryptedLength(SIZE) + 1024) },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const cdn = await new Promise<{ control: { url: string; token: string } }>((resolve) => {
  let text = '';
  cdnProcess.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const line = text.split('\n').find((l) => l.startsWith('{'));
    if (line !== undefined) resolve(JSON.parse(line));
  });
});
const signaling = await connectEmulatorSignaling(cdn.control.url, {
  ownJid: '15550001111:2@s.whatsapp.net',
  token: cdn.control.token,
});
const client = createNodeMediaClient({
  signaling,
  cdn: { scheme: 'http', allowPrivateAddresses: true },
});
const seeded = await client.upload(await fileSource(plainPath), 'video');
for (let run = 0; run < RUNS; run++) {
  if (WHAT !== 'upload') {
    const started = performance.now();
    await client.downloadToWriter(seeded as never, { write() {} });
    console.log(`download ${(performance.now() - started).toFixed(0)} ms`);
  }
  if (WHAT !== 'download') {
    const started = performance.now();
    await client.upload(await fileSource(plainPath), 'video', { sidecar: false });
    console.log(`upload ${(performance.now() - started).toFixed(0)} ms`);
  }
}
signaling.close();
client.close();
cdnProcess.stdin.end();
await rm(dir, { recursive: true, force: true });
