// Benchmark: @wa-media/client upload and verified download over loopback, beside a bare HTTP
// transfer of the same bytes and beside Baileys (encryptedStream + uploadWithNodeHttp, and
// downloadEncryptedContent, which verifies nothing), all measured in this process. Then the
// peak RSS of a child process streaming a large verified download.
//
// Env: BENCH_MB (default 256), BENCH_RUNS (default 3), BENCH_RSS_MB (default 1024, 0 = skip).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeMediaClient, fileSource } from '@wa-media/client/node';
import { encryptedLength, MediaEncryptor } from '@wa-media/crypto';
import { connectEmulatorSignaling } from '@wa-media/emulator';
import { buildUploadUrl, CDN_HEADERS, mediaUploadToken } from '@wa-media/protocol';

const MB = Number(process.env.BENCH_MB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RSS_MB = Number(process.env.BENCH_RSS_MB ?? 1024);
const SIZE = MB * 1024 * 1024;

type Baileys = typeof import('baileys');
let baileys: Baileys | undefined;
try {
  baileys = await import('baileys');
} catch (error) {
  console.log(`baileys not available (${(error as Error).message}); its rows are skipped`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const mbps = (ms: number): string => `${(SIZE / 1024 / 1024 / (ms / 1000)).toFixed(1)} MiB/s`;

async function time(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const dir = await mkdtemp(join(tmpdir(), 'wa-media-bench-'));
const plainPath = join(dir, 'plain.bin');
{
  const block = randomBytes(1024 * 1024);
  const handle = await open(plainPath, 'w');
  for (let written = 0; written < SIZE; written += block.length) {
    await handle.write(block, 0, Math.min(block.length, SIZE - written));
  }
  await handle.close();
}

const cdnProcess = spawn(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./cdn-child.ts', import.meta.url))],
  {
    env: { ...process.env, BENCH_MAX_UPLOAD: String(encryptedLength(SIZE) + 1024) },
    stdio: ['pipe', 'pipe', 'inherit'],
  },
);
const cdn = await new Promise<{ hostnames: string[]; control: { url: string; token: string } }>(
  (resolve, reject) => {
    let text = '';
    cdnProcess.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve(JSON.parse(line));
    });
    cdnProcess.on('exit', () => reject(new Error('the CDN process exited')));
  },
);
const host = cdn.hostnames[0] as string;
const signaling = await connectEmulatorSignaling(cdn.control.url, {
  ownJid: '15550001111:2@s.whatsapp.net',
  token: cdn.control.token,
});
const client = createNodeMediaClient({ signaling, cdn: { scheme: 'http' } });
const emulator = {
  async reset(): Promise<void> {
    const response = await fetch(new URL('/_reset', cdn.control.url), {
      method: 'POST',
      headers: { Authorization: `Bearer ${cdn.control.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (!response.ok) throw new Error(`reset failed: HTTP ${response.status}`);
  },
  downloadUrl: (directPath: string): string => `http://${host}${directPath}`,
};

// One encrypted blob on the CDN, for all download measurements.
const seedKey = new Uint8Array(randomBytes(32));
const seeded = await client.upload(await fileSource(plainPath), 'video', { mediaKey: seedKey });
const downloadUrl = emulator.downloadUrl(seeded.directPath);

function drain(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: CDN_HEADERS }, (res) => {
      res.on('data', () => {});
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function postFile(url: string, path: string, length: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          ...CDN_HEADERS,
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(length),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

// An encrypted copy on disk, for the bare upload baseline.
const encPath = join(dir, 'blob.enc');
const encryptedInfo = await (async () => {
  const encryptor = new MediaEncryptor('video', { mediaKey: seedKey, sidecar: false });
  const handle = await open(encPath, 'w');
  for await (const chunk of createReadStream(plainPath, { highWaterMark: 1 << 20 })) {
    await handle.write(encryptor.update(chunk as Uint8Array));
  }
  const { tail, info } = encryptor.finalize();
  await handle.write(tail);
  await handle.close();
  return info;
})();
const blobLength = (await stat(encPath)).size;

const results: Record<string, number[]> = {
  'download: bare HTTP GET (no crypto)': [],
  'download: wa-media verified': [],
  'download: Baileys downloadEncryptedContent (unverified)': [],
  'upload: bare HTTP POST of the blob (no crypto)': [],
  'upload: wa-media (hash pass + streaming pass)': [],
  'upload: Baileys encryptedStream + uploadWithNodeHttp': [],
};

const freshCdn = async (): Promise<void> => {
  await emulator.reset();
  client.mediaConn.invalidate();
  await client.mediaConn.get();
};

for (let run = 0; run < RUNS; run++) {
  results['download: bare HTTP GET (no crypto)']?.push(await time(() => drain(downloadUrl)));
  results['download: wa-media verified']?.push(
    await time(async () => {
      await client.downloadToWriter(seeded as never, { write() {} });
    }),
  );
  if (baileys) {
    const keys = await baileys.getMediaKeys(seedKey, 'video');
    results['download: Baileys downloadEncryptedContent (unverified)']?.push(
      await time(async () => {
        const stream = await baileys!.downloadEncryptedContent(downloadUrl, keys);
        for await (const _ of stream) {
          // discard
        }
      }),
    );
  }
}

// Uploads store blobs on the emulator: reset it between runs (the seeded blob goes too).
for (let run = 0; run < RUNS; run++) {
  await freshCdn();
  const auth = client.mediaConn.peek()?.auth as string;
  const token = mediaUploadToken(encryptedInfo.fileEncSha256);
  results['upload: bare HTTP POST of the blob (no crypto)']?.push(
    await time(() =>
      postFile(
        buildUploadUrl({ host, uploadPath: '/mms/video', token, auth, scheme: 'http' }),
        encPath,
        blobLength,
      ),
    ),
  );
  await freshCdn();
  results['upload: wa-media (hash pass + streaming pass)']?.push(
    await time(async () => {
      await client.upload(await fileSource(plainPath), 'video');
    }),
  );
  if (baileys) {
    await freshCdn();
    const b = baileys;
    const auth2 = client.mediaConn.peek()?.auth as string;
    results['upload: Baileys encryptedStream + uploadWithNodeHttp']?.push(
      await time(async () => {
        const enc = await b.encryptedStream({ url: plainPath }, 'video');
        const token2 = Buffer.from(enc.fileEncSha256).toString('base64url');
        await b.uploadWithNodeHttp({
          url: buildUploadUrl({
            host,
            uploadPath: '/mms/video',
            token: token2,
            auth: auth2,
            scheme: 'http',
          }),
          filePath: enc.encFilePath,
          headers: { ...CDN_HEADERS, 'Content-Type': 'application/octet-stream' },
        });
        await rm(enc.encFilePath, { force: true });
      }),
    );
  }
}

console.log(`\nwa-media client benchmark: ${MB} MiB, ${RUNS} runs, loopback, medians\n`);
const row = (name: string): number | undefined => {
  const values = results[name] ?? [];
  return values.length ? median(values) : undefined;
};
for (const name of Object.keys(results)) {
  const ms = row(name);
  if (ms !== undefined)
    console.log(`${name.padEnd(58)} ${ms.toFixed(0).padStart(7)} ms  ${mbps(ms)}`);
}
const ratio = (a: string, b: string): string => {
  const x = row(a);
  const y = row(b);
  return x === undefined || y === undefined ? 'n/a' : `${(y / x).toFixed(2)}×`;
};
console.log('\nratios (throughput relative to the baseline; > 1 means faster):');
console.log(
  `  verified download vs bare GET:          ${ratio('download: wa-media verified', 'download: bare HTTP GET (no crypto)')}`,
);
console.log(
  `  verified download vs Baileys unverified: ${ratio('download: wa-media verified', 'download: Baileys downloadEncryptedContent (unverified)')}  (target ≥ 0.80×)`,
);
console.log(
  `  upload vs bare POST:                     ${ratio('upload: wa-media (hash pass + streaming pass)', 'upload: bare HTTP POST of the blob (no crypto)')}`,
);
console.log(
  `  upload vs Baileys:                       ${ratio('upload: wa-media (hash pass + streaming pass)', 'upload: Baileys encryptedStream + uploadWithNodeHttp')}  (target ≥ 1.20×)`,
);

signaling.close();
cdnProcess.stdin.end();

if (RSS_MB > 0) {
  // A streaming server that encrypts on the fly, so no GiB blob sits in any process.
  const rssSize = RSS_MB * 1024 * 1024;
  const rssKey = new Uint8Array(randomBytes(32));
  const block = new Uint8Array(randomBytes(1024 * 1024));
  const encryptAll = async (sink: ((chunk: Uint8Array) => Promise<void>) | undefined) => {
    const encryptor = new MediaEncryptor('video', { mediaKey: rssKey, sidecar: false });
    for (let done = 0; done < rssSize; done += block.length) {
      const out = encryptor.update(block.subarray(0, Math.min(block.length, rssSize - done)));
      if (sink) await sink(out);
    }
    const { tail, info } = encryptor.finalize();
    if (sink) await sink(tail);
    return info;
  };
  const info = await encryptAll(undefined);
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-length': String(encryptedLength(rssSize)) });
    await encryptAll(
      (chunk) =>
        new Promise<void>((resolve) => {
          if (res.write(chunk)) resolve();
          else res.once('drain', resolve);
        }),
    );
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const output = await new Promise<string>((resolve) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL('./rss-child.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          BENCH_RSS_PARAMS: JSON.stringify({
            host: `127.0.0.1:${port}`,
            directPath: '/v/t62.7161-24/bench.enc?ccb=11-4',
            mediaKey: Buffer.from(rssKey).toString('base64'),
            fileSha256: Buffer.from(info.fileSha256).toString('base64'),
            fileEncSha256: Buffer.from(info.fileEncSha256).toString('base64'),
          }),
        },
      },
    );
    let text = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    proc.on('close', () => resolve(text));
  });
  const line = output.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) console.log(`RSS child failed:\n${output}`);
  else {
    const r = JSON.parse(line) as { startRss: number; peakRss: number; received: number };
    const delta = (r.peakRss - r.startRss) / 1024 / 1024;
    console.log(
      `\npeak RSS while streaming a ${RSS_MB} MiB verified download: +${delta.toFixed(1)} MiB above start (target < 64 MiB; received ${r.received} bytes)`,
    );
  }
  server.close();
}
await rm(dir, { recursive: true, force: true });
