// Benchmark: @wa-media/client upload and verified download over loopback, beside a bare HTTP
// transfer of the same bytes and beside Baileys (encryptedStream + uploadWithNodeHttp, and
// downloadEncryptedContent, which verifies nothing), all measured in this process, alternating
// (the order rotates every run). Then the peak RSS of a child process streaming a large
// verified download, and a table of the issue-5 targets.
//
// Fairness: the byte source is the same file on disk (upload) and the same emulator blob
// (download) for every contender; each uses its default / best HTTP path (ours: the node:http
// adapter through `createNodeMediaClient`; Baileys: `uploadWithNodeHttp` and its fetch-based
// `downloadEncryptedContent`). Baileys computes no streaming sidecar, so the upload target row
// uploads with `sidecar: false`; the default (sidecar for video) is shown beside it.
//
// The floor row (floor.ts) does exactly the checks of our verified download with bare node:http
// and node:crypto on one thread: its CPU time plus the CDN's, spread over every core, bounds
// the wall time of any node:crypto implementation from below, and so the best ratio to Baileys
// this machine allows (printed below the ratios).
//
// Env: BENCH_MB (default 256), BENCH_RUNS (default 5), BENCH_RSS_MB (default 1024, 0 = skip).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeMediaClient, fileSource } from '@wa-media/client/node';
import { deriveMediaKeys, encryptedLength, MediaEncryptor } from '@wa-media/crypto';
import { connectEmulatorSignaling } from '@wa-media/emulator';
import { buildUploadUrl, CDN_HEADERS, mediaUploadToken } from '@wa-media/protocol';
import {
  cpuSeconds,
  median,
  startCdnChild,
  writeSample,
} from '../../packages/client/bench/support.ts';
import { bareVerifiedDownload } from './floor.ts';

const MB = Number(process.env.BENCH_MB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const RSS_MB = Number(process.env.BENCH_RSS_MB ?? 1024);
const SIZE = MB * 1024 * 1024;

type Baileys = typeof import('baileys');
let baileys: Baileys | undefined;
try {
  baileys = await import('baileys');
} catch (error) {
  console.log(`baileys not available (${(error as Error).message}); its rows are skipped`);
}

const mbps = (ms: number): string => `${(SIZE / 1024 / 1024 / (ms / 1000)).toFixed(1)} MiB/s`;

async function time(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const { dir, plainPath } = await writeSample(SIZE, 'wa-media-bench-');
const cdn = await startCdnChild(SIZE);
const cdnProcess = cdn.process;
const host = cdn.hostnames[0] as string;
const signaling = await connectEmulatorSignaling(cdn.control.url, {
  ownJid: '15550001111:2@s.whatsapp.net',
  token: cdn.control.token,
});
const client = createNodeMediaClient({
  signaling,
  cdn: { scheme: 'http', allowPrivateAddresses: true },
});
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
const seedKeys = deriveMediaKeys(seedKey, 'video'); // for the floor row, outside its timing

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

const DL_BARE = 'download: bare HTTP GET (no crypto)';
const DL_FLOOR = 'download: floor, same checks, bare node:crypto, 1 thread';
const DL_OURS = 'download: wa-media verified';
const DL_BAILEYS = 'download: Baileys downloadEncryptedContent (unverified)';
const UP_BARE = 'upload: bare HTTP POST of the blob (no crypto)';
const UP_OURS = "upload: wa-media, no sidecar (= Baileys' work)";
const UP_OURS_SIDECAR = 'upload: wa-media, with streaming sidecar (default)';
const UP_BAILEYS = 'upload: Baileys encryptedStream + uploadWithNodeHttp';

const freshCdn = async (): Promise<void> => {
  await emulator.reset();
  client.mediaConn.invalidate();
  await client.mediaConn.get();
};

type Case = { name: string; run: () => Promise<void> };
const downloads: Case[] = [
  { name: DL_BARE, run: () => drain(downloadUrl) },
  {
    name: DL_FLOOR,
    run: () => bareVerifiedDownload(downloadUrl, seedKeys, seeded),
  },
  {
    name: DL_OURS,
    run: async () => {
      // A discarding writer, like Baileys' loop below that drops every chunk.
      await client.downloadToWriter(seeded as never, { write() {} });
    },
  },
];
if (baileys) {
  const b = baileys;
  const keys = await b.getMediaKeys(seedKey, 'video');
  downloads.push({
    name: DL_BAILEYS,
    run: async () => {
      const stream = await b.downloadEncryptedContent(downloadUrl, keys);
      for await (const _ of stream) {
        // discard
      }
    },
  });
}

// Each upload case starts from a reset emulator (uploads are stored; the seeded blob goes too).
const ourUpload = (sidecar: boolean) => async (): Promise<void> => {
  await client.upload(await fileSource(plainPath), 'video', { sidecar });
};
const uploads: Case[] = [
  {
    name: UP_BARE,
    run: () => {
      const auth = client.mediaConn.peek()?.auth as string;
      const token = mediaUploadToken(encryptedInfo.fileEncSha256);
      return postFile(
        buildUploadUrl({ host, uploadPath: '/mms/video', token, auth, scheme: 'http' }),
        encPath,
        blobLength,
      );
    },
  },
  { name: UP_OURS, run: ourUpload(false) },
  { name: UP_OURS_SIDECAR, run: ourUpload(true) },
];
if (baileys) {
  const b = baileys;
  uploads.push({
    name: UP_BAILEYS,
    run: async () => {
      const auth = client.mediaConn.peek()?.auth as string;
      const enc = await b.encryptedStream({ url: plainPath }, 'video');
      const token = Buffer.from(enc.fileEncSha256).toString('base64url');
      await b.uploadWithNodeHttp({
        url: buildUploadUrl({ host, uploadPath: '/mms/video', token, auth, scheme: 'http' }),
        filePath: enc.encFilePath,
        headers: { ...CDN_HEADERS, 'Content-Type': 'application/octet-stream' },
      });
      await rm(enc.encFilePath, { force: true });
    },
  });
}

const results = new Map<string, number[]>(
  [...downloads, ...uploads].map((c) => [c.name, [] as number[]]),
);
/** This process's CPU time per run (user + system, all threads; the CDN is another process). */
const cpuResults = new Map<string, number[]>(
  [...downloads, ...uploads].map((c) => [c.name, [] as number[]]),
);
/** The CDN process's CPU time per run (Linux only: read from /proc). */
const cdnCpuResults = new Map<string, number[]>(
  [...downloads, ...uploads].map((c) => [c.name, [] as number[]]),
);
const cdnStat = `/proc/${cdnProcess.pid}/stat`;
async function measure(c: Case): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const cdnBefore = cpuSeconds(cdnStat);
  results.get(c.name)?.push(await time(c.run));
  const cpu = process.cpuUsage(cpuBefore);
  cpuResults.get(c.name)?.push((cpu.user + cpu.system) / 1000);
  const cdnCpu = (cpuSeconds(cdnStat) - cdnBefore) * 1000;
  if (!Number.isNaN(cdnCpu)) cdnCpuResults.get(c.name)?.push(cdnCpu);
}
// Runs alternate between the contenders, and the order rotates every run, so a slow phase of
// the (shared, 2-core) machine hits every contender alike.
const rotated = <T>(list: T[], by: number): T[] =>
  list.map((_, i) => list[(i + by) % list.length] as T);
for (let run = 0; run < RUNS; run++) {
  for (const c of rotated(downloads, run)) await measure(c);
}
for (let run = 0; run < RUNS; run++) {
  for (const c of rotated(uploads, run)) {
    await freshCdn();
    await measure(c);
  }
}

console.log(`\nwa-media client benchmark: ${MB} MiB, ${RUNS} runs, loopback, medians\n`);
const row = (name: string): number | undefined => {
  const values = results.get(name) ?? [];
  return values.length ? median(values) : undefined;
};
for (const [name, values] of results) {
  const ms = row(name);
  if (ms !== undefined) {
    const all = values.map((v) => v.toFixed(0)).join(' ');
    const cpu = median(cpuResults.get(name) ?? [0]);
    const cdnCpu = cdnCpuResults.get(name)?.length
      ? `${median(cdnCpuResults.get(name) ?? []).toFixed(0)}`
      : 'n/a';
    console.log(
      `${name.padEnd(58)} ${ms.toFixed(0).padStart(7)} ms  ${mbps(ms).padStart(13)}  cpu ${cpu.toFixed(0).padStart(6)} ms  cdn ${cdnCpu.padStart(5)} ms  [${all}]`,
    );
  }
}
/** Throughput of `a` relative to `b` (> 1: `a` is faster). */
const ratio = (a: string, b: string): number | undefined => {
  const x = row(a);
  const y = row(b);
  return x === undefined || y === undefined ? undefined : y / x;
};
/** CPU time of `b` relative to `a` (> 1: `a` needs less CPU): steadier on a loaded machine. */
const cpuRatio = (a: string, b: string): number | undefined => {
  const x = cpuResults.get(a);
  const y = cpuResults.get(b);
  return x?.length && y?.length ? median(y) / median(x) : undefined;
};
const show = (r: number | undefined): string => (r === undefined ? 'n/a' : `${r.toFixed(2)}×`);
const verdict = (r: number | undefined, target: number): string =>
  r === undefined ? '–' : r >= target ? '✓' : '✗';
const dlVsBaileys = ratio(DL_OURS, DL_BAILEYS);
const upVsBaileys = ratio(UP_OURS, UP_BAILEYS);
console.log('\nratios (throughput relative to the baseline; > 1 means faster):');
console.log(`  verified download vs bare GET:            ${show(ratio(DL_OURS, DL_BARE))}`);
console.log(`  Baileys unverified download vs bare GET:  ${show(ratio(DL_BAILEYS, DL_BARE))}`);
console.log(`  upload vs bare POST:                      ${show(ratio(UP_OURS, UP_BARE))}`);
console.log(
  `  upload with sidecar vs Baileys:           ${show(ratio(UP_OURS_SIDECAR, UP_BAILEYS))}`,
);
console.log(
  `  CPU time, verified download vs Baileys:   ${show(cpuRatio(DL_OURS, DL_BAILEYS))}  (informational)`,
);
console.log(
  `  CPU time, upload vs Baileys:              ${show(cpuRatio(UP_OURS, UP_BAILEYS))}  (informational)`,
);
// The lower bound: the floor's CPU time (the required work) plus the CDN's, over every core.
const cores = availableParallelism();
const floorCpu = cpuResults.get(DL_FLOOR);
const floorCdnCpu = cdnCpuResults.get(DL_FLOOR);
const baileysMs = row(DL_BAILEYS);
if (floorCpu?.length && floorCdnCpu?.length && baileysMs !== undefined) {
  const boundMs = (median(floorCpu) + median(floorCdnCpu)) / cores;
  console.log(
    `  best ratio to Baileys this machine allows a verified download built on node:crypto: ${show(baileysMs / boundMs)}`,
  );
  console.log(
    `    (wall ≥ (required work ${median(floorCpu).toFixed(0)} ms CPU + CDN ${median(floorCdnCpu).toFixed(0)} ms CPU) / ${cores} cores = ${boundMs.toFixed(0)} ms; Baileys ${baileysMs.toFixed(0)} ms)`,
  );
  console.log(
    `  verified download vs the floor (same checks, 1 thread): ${show(ratio(DL_OURS, DL_FLOOR))}`,
  );
}
const summary: { target: string; measured: string; met: string }[] = [
  {
    target: 'verified download ≥ 0.80× Baileys (unverified)',
    measured: show(dlVsBaileys),
    met: verdict(dlVsBaileys, 0.8),
  },
  {
    target: 'upload ≥ 1.20× Baileys (same work: no sidecar)',
    measured: show(upVsBaileys),
    met: verdict(upVsBaileys, 1.2),
  },
];

signaling.close();
client.close();
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
    summary.push({
      target: `peak RSS streaming ${RSS_MB} MiB < 64 MiB above start`,
      measured: `+${delta.toFixed(1)} MiB`,
      met: delta < 64 ? '✓' : '✗',
    });
  }
  server.close();
}
await rm(dir, { recursive: true, force: true });

console.log('\ntargets:');
for (const { target, measured, met } of summary) {
  console.log(`  ${met} ${target.padEnd(52)} ${measured}`);
}
