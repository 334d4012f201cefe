// `wa-media demo`: the main job end to end on a local emulator. Each step is a check with one
// line in the report; a step that throws fails its check and the demo goes on, so one report
// shows everything. Exit status: non-zero when any check failed.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import type { Transfer, UploadResult } from '@wa-media/client';
import { createNodeMediaClient, fileSource, type NodeMediaClient } from '@wa-media/client/node';
import {
  backendName,
  createDecryptStream,
  createEncryptStream,
  isMediaIntegrityError,
} from '@wa-media/crypto';
import { type Emulator, type Fault, type RequestLogEntry, startEmulator } from '@wa-media/emulator';
import { errorKind } from '../errors.js';
import { formatBytes, formatRate } from '../io/bytes.js';
import type { Output } from '../io/output.js';
import { DemoReport } from './report.js';
import { JPEG_HEADER, MP4_HEADER, type Sample, sha256File, writeSample } from './samples.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Size of the video-like sample in MiB. @default 50 */
  videoMiB?: number;
  /** Keep the temp folder with the samples and downloads. @default false */
  keep?: boolean;
  /** Aborts the demo (SIGINT). */
  signal?: AbortSignal;
}

const OWN_JID = '15550001111:2@s.whatsapp.net';
const SENDER_CHAT = '15550002222@s.whatsapp.net';
const DAY_MS = 86_400_000;
const STEP_TIMEOUT_MS = 90_000;

/** Rejects when a step runs longer than `ms` (so a hang shows as a failed check, not a stall). */
/** What every demo step works with. */
interface DemoContext {
  readonly report: DemoReport;
  readonly emulator: Emulator;
  readonly client: NodeMediaClient;
  /** The demo's temp folder, for the files steps download. */
  readonly dir: string;
}

async function timeLimit<T>(ms: number, task: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      task(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`step timed out after ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function short(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string };
  return `${e?.name ?? 'Error'}${e?.code === undefined ? '' : ` (${e.code})`}: ${e?.message ?? String(error)}`.slice(
    0,
    240,
  );
}

/** The path part of a direct path (the log redacts the signed query, so match on this). */
function objectPath(directPath: string): string {
  return directPath.split('?')[0] ?? directPath;
}

function entriesFor(
  log: readonly RequestLogEntry[],
  directPath: string,
  since: number,
): RequestLogEntry[] {
  const path = objectPath(directPath);
  return log.filter((entry) => entry.seq > since && entry.path.startsWith(path));
}

function lastSeq(emulator: Emulator): number {
  return emulator.log.at(-1)?.seq ?? 0;
}

async function waitForProgress(transfer: Transfer<unknown>, fraction: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = (): boolean => {
      const { bytesDone, totalBytes } = transfer.progress;
      return totalBytes !== null && totalBytes > 0 && bytesDone >= totalBytes * fraction;
    };
    if (check()) return resolve();
    const off = transfer.on('progress', () => {
      if (check()) {
        off();
        resolve();
      }
    });
    transfer.promise.then(
      () => {
        off();
        reject(new Error('the transfer finished before it could be paused'));
      },
      (error: unknown) => {
        off();
        reject(error);
      },
    );
  });
}

/** A bandwidth limit that makes the sample take ~1.5 s, so a pause lands mid-body on any machine. */
function pauseBandwidth(sample: Sample): number {
  return Math.max(2 * 1024 * 1024, Math.round(sample.size / 1.5));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The demo's two deterministic samples (a video of `videoSize` bytes and an image), reported. */
async function writeSamples(
  out: Output,
  report: DemoReport,
  dir: string,
  videoSize: number,
): Promise<{ video: Sample; image: Sample }> {
  const video = await writeSample(join(dir, 'sample-video.mp4'), videoSize, 0x9e3779b9, MP4_HEADER);
  const image = await writeSample(join(dir, 'sample-image.jpg'), 350_000, 0x7f4a7c15, JPEG_HEADER);
  out.print(
    `samples: video ${formatBytes(video.size)}, image ${formatBytes(image.size)} (deterministic)`,
  );
  report.fact('videoBytes', video.size);
  report.fact('imageBytes', image.size);
  return { video, image };
}

/**
 * Runs the demo and prints its report. Returns the number of failed checks.
 * @throws only for problems outside the checks (e.g. the temp folder cannot be created).
 */
export async function runDemo(out: Output, options: DemoOptions = {}): Promise<DemoReport> {
  const report = new DemoReport(out);
  const videoSize = Math.round((options.videoMiB ?? 50) * 1024 * 1024) + 123; // not block-aligned
  const dir = await mkdtemp(join(tmpdir(), 'wa-media-demo-'));
  let emulator: Emulator | undefined;
  let client: NodeMediaClient | undefined;
  const step = async (name: string, task: () => Promise<void>): Promise<void> => {
    if (options.signal?.aborted) {
      report.fail(name, 'interrupted');
      return;
    }
    try {
      await timeLimit(STEP_TIMEOUT_MS, task);
    } catch (error) {
      report.fail(name, short(error));
    }
  };

  try {
    out.print(`wa-media demo — everything below runs against a local emulator (${dir})`);
    const { video, image } = await writeSamples(out, report, dir, videoSize);

    report.section(`1. crypto round trip (backend: ${backendName})`);
    await step('encrypt + decrypt the video, streaming', () => cryptoRoundTrip(report, dir, video));

    report.section('2. upload and verified download (emulated CDN, 2 hosts)');
    emulator = await startEmulator({ hosts: 2, control: false });
    const signaling = emulator.signaling({ ownJid: OWN_JID });
    client = createNodeMediaClient({
      signaling,
      cdn: { scheme: 'http', allowPrivateAddresses: true },
      retry: { sameHostRetries: 2, baseDelayMs: 100, maxDelayMs: 5_000 },
    });
    const uploads: { video?: UploadResult; image?: UploadResult } = {};
    for (const [label, sample, type] of [
      ['video', video, 'video'],
      ['image', image, 'image'],
    ] as const) {
      await step(`upload the ${label}`, async () => {
        const started = performance.now();
        const result = await client!.upload(await fileSource(sample.path), type, {
          id: `demo-upload-${label}`,
        });
        const ms = performance.now() - started;
        uploads[label] = result;
        report.fact(
          `${label}UploadMiBps`,
          Number((sample.size / 1048576 / (ms / 1000)).toFixed(1)),
        );
        report.check(
          `upload the ${label}`,
          result.fileLength === sample.size &&
            Buffer.from(result.fileSha256).toString('base64') === sample.sha256,
          `${formatBytes(sample.size)} in ${(ms / 1000).toFixed(2)} s, ${formatRate(sample.size, ms)}`,
        );
      });
    }
    for (const [label, sample] of [
      ['video', video],
      ['image', image],
    ] as const) {
      await step(`download the ${label}`, async () => {
        const upload = uploads[label];
        if (upload === undefined) throw new Error('no upload to download');
        const target = join(dir, `downloaded-${label}`);
        const started = performance.now();
        await client!.downloadToFile(upload, target, { id: `demo-download-${label}` });
        const ms = performance.now() - started;
        report.fact(
          `${label}DownloadMiBps`,
          Number((sample.size / 1048576 / (ms / 1000)).toFixed(1)),
        );
        const same = (await sha256File(target)) === sample.sha256;
        report.check(
          `download the ${label}, verified and streamed to a file`,
          same,
          `${formatRate(sample.size, ms)}, SHA-256 ${same ? 'matches' : 'DIFFERS'}`,
        );
      });
    }

    // The emulator and client exist by now (their steps throw otherwise).
    const context = (): DemoContext => ({ report, emulator: emulator!, client: client!, dir });
    report.section('3. pause and resume (Transfer API)');
    await step('pause and resume a download', () =>
      pauseResumeDownload(context(), uploads.video, video),
    );
    await step('pause and resume an upload', () => pauseResumeUpload(context(), video));

    report.section('4. injected faults');
    await step('503 with Retry-After', () => fault503(context(), uploads.image, image));
    await step('reset mid-body', () => faultReset(context(), uploads.video, video));
    await step('flipped byte on one host', () => faultFlip(context(), uploads.image, image));

    report.section('5. expiry and media reupload');
    await step('expired media recovered through media reupload', () =>
      expiryAndReupload(context(), uploads.image, image),
    );
  } finally {
    client?.close();
    await emulator?.close();
    if (options.keep !== true) await rm(dir, { recursive: true, force: true });
  }
  return report;
}

async function pipeFile(
  input: string,
  transform: TransformStream<Uint8Array, Uint8Array>,
  output: string,
): Promise<number> {
  const started = performance.now();
  await (Readable.toWeb(createReadStream(input)) as ReadableStream<Uint8Array>)
    .pipeThrough(transform)
    .pipeTo(Writable.toWeb(createWriteStream(output)) as WritableStream<Uint8Array>);
  return performance.now() - started;
}

async function cryptoRoundTrip(report: DemoReport, dir: string, video: Sample): Promise<void> {
  const encrypted = join(dir, 'crypto.enc');
  const decrypted = join(dir, 'crypto.dec');
  const encrypt = createEncryptStream('video');
  const encryptMs = await pipeFile(video.path, encrypt, encrypted);
  const info = await encrypt.info;
  const blobSize = (await stat(encrypted)).size;
  report.check(
    'encrypt (streaming)',
    info.encrypted && blobSize === (Math.floor(video.size / 16) + 1) * 16 + 10,
    `${formatBytes(blobSize)}, ${formatRate(video.size, encryptMs)}, sidecar ${info.streamingSidecar?.length ?? 0} bytes`,
  );
  if (!info.encrypted) return;
  const options = {
    type: 'video' as const,
    mediaKey: info.mediaKey,
    fileSha256: info.fileSha256,
    fileEncSha256: info.fileEncSha256,
  };
  const decrypt = createDecryptStream(options);
  const decryptMs = await pipeFile(encrypted, decrypt, decrypted);
  await decrypt.info;
  const same = (await sha256File(decrypted)) === video.sha256;
  report.check(
    'decrypt (streaming, verified) gives the original bytes',
    same,
    formatRate(video.size, decryptMs),
  );
  await rm(decrypted, { force: true });

  // One flipped byte in the middle: refused, with the check that caught it.
  const blob = await readFile(encrypted);
  blob[blob.length >> 1]! ^= 0x01;
  await writeFile(encrypted, blob);
  const { fileEncSha256: _, ...withoutBlobHash } = options;
  for (const [label, decryptOptions, expected] of [
    ['with fileEncSha256', options, 'enc-sha256-mismatch'],
    ['without fileEncSha256 (the MAC catches it)', withoutBlobHash, 'mac-mismatch'],
  ] as const) {
    const refused = await pipeFile(encrypted, createDecryptStream(decryptOptions), decrypted).then(
      () => undefined,
      (error: unknown) => error,
    );
    report.check(
      `a flipped byte is refused ${label}`,
      isMediaIntegrityError(refused) && refused.code === expected,
      isMediaIntegrityError(refused) ? `code ${refused.code}` : 'accepted!',
    );
  }
  await rm(encrypted, { force: true });
  await rm(decrypted, { force: true });
}

async function pauseResumeDownload(
  ctx: DemoContext,
  upload: UploadResult | undefined,
  video: Sample,
): Promise<void> {
  const { report, emulator, client, dir } = ctx;
  if (upload === undefined) throw new Error('the video upload failed');
  const target = join(dir, 'paused-download.mp4');
  const since = lastSeq(emulator);
  emulator.faults.setBandwidth(pauseBandwidth(video)); // slow enough to pause mid-body
  try {
    const transfer = client.downloadToFile(upload, target, { id: 'demo-pause-download' });
    await waitForProgress(transfer, 0.3);
    await transfer.pause();
    // A chunk already read when pause() was called may still be accounted: let it settle, then
    // nothing may move while paused (no socket is held).
    await sleep(100);
    const pausedAt = transfer.progress.bytesDone;
    await sleep(400);
    const stateWhilePaused = transfer.state;
    const progressWhilePaused = transfer.progress.bytesDone - pausedAt;
    const stillPaused = stateWhilePaused === 'paused' && progressWhilePaused === 0;
    emulator.faults.setBandwidth(null);
    await transfer.resume();
    await transfer;
    await emulator.whenIdle();
    const same = (await sha256File(target)) === video.sha256;
    const entries = entriesFor(emulator.log, upload.directPath, since).filter(
      (e) => e.kind === 'download',
    );
    const moved = entries.reduce((sum, entry) => sum + entry.bytesOut, 0);
    const blob = (Math.floor(video.size / 16) + 1) * 16 + 10;
    const ranged = entries.some((entry) => entry.range !== undefined);
    report.check(
      'pause a download mid-body, resume it: verified, only missing bytes re-fetched',
      stillPaused && same && ranged && moved < blob * 1.05,
      `paused at ${formatBytes(pausedAt)} (${stillPaused ? 'held' : `state ${stateWhilePaused}, +${progressWhilePaused} bytes while paused`}), ` +
        `${entries.length} requests (${ranged ? 'resumed with Range' : 'no Range!'}), ` +
        `${formatBytes(moved)} moved for a ${formatBytes(blob)} blob, SHA-256 ${same ? 'matches' : 'DIFFERS'}`,
    );
  } finally {
    emulator.faults.setBandwidth(null);
  }
}

async function pauseResumeUpload(ctx: DemoContext, video: Sample): Promise<void> {
  const { report, emulator, client } = ctx;
  const since = lastSeq(emulator);
  emulator.faults.setBandwidth(pauseBandwidth(video));
  try {
    // A fresh key gives a new blob, so the CDN holds nothing of it yet.
    const transfer = client.upload(await fileSource(video.path), 'video', {
      id: 'demo-pause-upload',
    });
    await waitForProgress(transfer, 0.3);
    await transfer.pause();
    const pausedAt = transfer.progress.bytesDone;
    await sleep(300);
    const stillPaused = transfer.state === 'paused';
    emulator.faults.setBandwidth(null);
    // The CDN keeps the bytes of a cut upload once it has seen the connection end; resuming
    // before that would find nothing to resume (and send everything again).
    await emulator.whenIdle();
    await transfer.resume();
    const result = await transfer;
    await emulator.whenIdle();
    const all = emulator.log.filter((entry) => entry.seq > since);
    const entries = all.filter((entry) => entry.kind === 'upload');
    const sent = entries.reduce((sum, entry) => sum + entry.bytesIn, 0);
    const blob = (Math.floor(video.size / 16) + 1) * 16 + 10;
    const resumed = entries.some((entry) => entry.path.includes('file_offset='));
    const ok = stillPaused && result.fileLength === video.size && resumed && sent < blob * 1.05;
    report.check(
      'pause an upload mid-body, resume it: the CDN keeps what it has (resume probe + file_offset)',
      ok,
      `paused at ${formatBytes(pausedAt)}, ${entries.length} upload requests (${resumed ? 'resumed at an offset' : 'no file_offset!'}), ` +
        `${formatBytes(sent)} sent for a ${formatBytes(blob)} blob` +
        (ok
          ? ''
          : `; requests: ${all.map((e) => `${e.kind} ${e.status}${e.aborted ? ' (cut)' : ''} ${formatBytes(e.bytesIn)} in`).join(', ')}`),
    );
  } finally {
    emulator.faults.setBandwidth(null);
  }
}

/** What one download under a host-0 fault showed; see {@link downloadUnderFault}. */
interface FaultedDownload {
  /** The CDN log entries for the object, from this download only. */
  readonly entries: RequestLogEntry[];
  /** The downloaded file has the sample's SHA-256. */
  readonly same: boolean;
  /** How long `downloadToFile` took. */
  readonly ms: number;
}

/**
 * Downloads `upload` (transfer `id`) to `dir/<fileName>` while host 0 answers downloads with `fault` (`times`
 * requests), then clears the faults. Throws when the upload step before it failed.
 */
async function downloadUnderFault(
  ctx: DemoContext,
  upload: UploadResult | undefined,
  sample: Sample,
  scenario: { name: string; id: string; fileName: string; times: number | 'always'; fault: Fault },
): Promise<FaultedDownload> {
  const { emulator, client, dir } = ctx;
  if (upload === undefined) throw new Error(`the ${scenario.name} upload failed`);
  const since = lastSeq(emulator);
  emulator.faults.clear();
  emulator.faults.add({ on: 'download', host: 0, times: scenario.times, fault: scenario.fault });
  const target = join(dir, scenario.fileName);
  const started = performance.now();
  await client.downloadToFile(upload, target, { id: scenario.id });
  const ms = performance.now() - started;
  await emulator.whenIdle();
  emulator.faults.clear();
  const entries = entriesFor(emulator.log, upload.directPath, since);
  const same = (await sha256File(target)) === sample.sha256;
  return { entries, same, ms };
}

async function fault503(
  ctx: DemoContext,
  upload: UploadResult | undefined,
  image: Sample,
): Promise<void> {
  const { report } = ctx;
  const { entries, same, ms } = await downloadUnderFault(ctx, upload, image, {
    name: 'image',
    id: 'demo-fault-503',
    fileName: 'fault-503.jpg',
    times: 1,
    fault: { kind: 'status', status: 503, retryAfterSec: 1 },
  });
  const first = entries[0];
  const then = entries[1];
  report.check(
    'a 503 with Retry-After: 1 is waited out, then the same host serves it',
    same && first?.status === 503 && then?.status === 200 && then.host === 0 && ms >= 900,
    `${entries.map((e) => `host ${e.host} → ${e.status}`).join(', ')} after ${(ms / 1000).toFixed(1)} s`,
  );
}

async function faultReset(
  ctx: DemoContext,
  upload: UploadResult | undefined,
  video: Sample,
): Promise<void> {
  const { report } = ctx;
  const { entries, same } = await downloadUnderFault(ctx, upload, video, {
    name: 'video',
    id: 'demo-fault-reset',
    fileName: 'fault-reset.mp4',
    times: 1,
    fault: { kind: 'reset', afterBytes: 8 * 1024 * 1024 },
  });
  const reset = entries.find((entry) => entry.fault === 'reset');
  const moved = entries.reduce((sum, entry) => sum + entry.bytesOut, 0);
  report.check(
    'a connection reset mid-body is retried, the result verified',
    same && reset !== undefined,
    `${entries.map((e) => `host ${e.host} → ${e.status}${e.fault === undefined ? '' : ` (${e.fault})`}${e.range === undefined ? '' : ` ${e.range}`}`).join(', ')}; ${formatBytes(moved)} moved`,
  );
}

async function faultFlip(
  ctx: DemoContext,
  upload: UploadResult | undefined,
  image: Sample,
): Promise<void> {
  const { report } = ctx;
  const { entries, same } = await downloadUnderFault(ctx, upload, image, {
    name: 'image',
    id: 'demo-fault-flip',
    fileName: 'fault-flip.jpg',
    times: 'always',
    fault: { kind: 'flip', offset: 1000 },
  });
  const servedBy = entries
    .filter((entry) => entry.status === 200 && entry.fault === undefined)
    .map((e) => e.host);
  report.check(
    'a flipped byte on host 0 is caught; host 1 serves the verified bytes (failover)',
    same && servedBy.includes(1),
    `${entries.map((e) => `host ${e.host} → ${e.status}${e.fault === undefined ? '' : ` (${e.fault})`}`).join(', ')}`,
  );
}

async function expiryAndReupload(
  ctx: DemoContext,
  upload: UploadResult | undefined,
  image: Sample,
): Promise<void> {
  const { report, emulator, client, dir } = ctx;
  if (upload === undefined || upload.mediaKey === undefined)
    throw new Error('the image upload failed');
  const msgId = '3EB0DEMO0000000000000001';
  emulator.phone.remember({
    msgId,
    mediaKey: upload.mediaKey,
    directPath: upload.directPath,
    chatJid: SENDER_CHAT,
  });
  emulator.clock.advance(15 * DAY_MS);

  const expiredTarget = join(dir, 'expired.jpg');
  const refused = await client.downloadToFile(upload, expiredTarget, { id: 'demo-expired' }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const nothingWritten = await stat(expiredTarget).then(
    () => false,
    () => true,
  );
  report.check(
    'after 15 days (emulator clock) the CDN copy is gone: not found, nothing written',
    refused !== undefined && errorKind(refused) === 'notFound' && nothingWritten,
    refused === undefined ? 'downloaded anyway!' : short(refused),
  );

  const target = join(dir, 'reuploaded.jpg');
  await client.downloadToFile(upload, target, {
    id: 'demo-reupload',
    reupload: { msgId, chatJid: SENDER_CHAT, isFromMe: false },
  });
  const same = (await sha256File(target)) === image.sha256;
  const record = emulator.phone.requests.find((request) => request.msgId === msgId);
  report.check(
    'media reupload: the phone re-uploads it, the download continues on the new path, verified',
    same && record?.outcome === 'success',
    `phone answered ${record?.outcome ?? 'nothing'}, SHA-256 ${same ? 'matches' : 'DIFFERS'}`,
  );
}
