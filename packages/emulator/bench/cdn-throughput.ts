// CDN throughput of the emulator against a bare node:http server doing the least the same job
// needs (serve a Buffer / read and hash a body), measured in the same process, alternating runs.
// The emulator sits in test paths of the other packages: it should not be their bottleneck.
//
//   pnpm --filter @wa-media/emulator bench            (64 MiB, 5 runs)
//   BENCH_MB=16 BENCH_RUNS=1 pnpm --filter @wa-media/emulator bench   (smoke run)
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '@wa-media/emulator';

const MB = Number(process.env.BENCH_MB ?? 64);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const size = MB * 1024 * 1024;
// An encrypted-media-shaped length (16k + 10) so the emulator accepts it on /mms/document.
const blob = randomBytes(size - (size % 16) + 10);
const token = createHash('sha256').update(blob).digest('base64url');
const headers = { Origin: 'https://web.whatsapp.com', 'Content-Type': 'application/octet-stream' };

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let n = 0;
      res.on('data', (chunk: Buffer) => {
        n += chunk.length;
      });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function post(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': blob.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(blob);
  });
}

async function baselineServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'Content-Length': blob.length });
      res.end(blob);
      return;
    }
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => {
      Buffer.concat(chunks);
      res.end(JSON.stringify({ ok: hash.digest('base64url') === token }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return blob.length / 1e6 / ((performance.now() - start) / 1000);
}

const emulator = await startEmulator({ control: false, hosts: 1 });
const baseline = await baselineServer();
try {
  const stored = emulator.putMedia(blob, { mmsType: 'document' });
  const emulatorGet = emulator.downloadUrls(stored.directPath)[0]!;
  const results = {
    download: { base: [] as number[], emu: [] as number[] },
    upload: { base: [] as number[], emu: [] as number[] },
  };
  for (let i = 0; i < RUNS; i++) {
    results.download.base.push(await timed(() => get(`${baseline.origin}/`)));
    results.download.emu.push(await timed(() => get(emulatorGet)));
    results.upload.base.push(await timed(() => post(`${baseline.origin}/`)));
    const url = `${emulator.hosts[0]!.origin}/mms/document/${token}?auth=${encodeURIComponent(emulator.issueAuth())}&token=${token}`;
    results.upload.emu.push(
      await timed(async () => {
        const status = await post(url);
        if (status !== 200) throw new Error(`emulator upload answered ${status}`);
      }),
    );
  }
  console.log(`emulator CDN throughput, ${MB} MiB body, ${RUNS} runs (median MB/s)`);
  for (const [name, r] of Object.entries(results)) {
    const base = median(r.base);
    const emu = median(r.emu);
    console.log(
      `  ${name.padEnd(8)} bare node:http ${base.toFixed(0).padStart(6)}  emulator ${emu.toFixed(0).padStart(6)}  ratio ${(emu / base).toFixed(2)}×`,
    );
  }
} finally {
  await emulator.close();
  await new Promise((resolve) => baseline.server.close(resolve));
}
