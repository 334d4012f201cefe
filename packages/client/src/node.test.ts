// The Node entry: downloadToFile (temp file, verified rename) and Node upload sources.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMediaDownloadError, isTransferCancelledError } from './errors.js';
import {
  createNodeMediaClient,
  downloadToFile,
  fileSource,
  type NodeMediaClient,
  tempFileSpool,
} from './node.js';
import {
  emulatorServing,
  equalBytes,
  type Harness,
  type SeededMedia,
  seedMedia,
  startHarness,
  testBytes,
} from './test-support/harness.js';

let h: Harness;
let dir: string;
let client: NodeMediaClient;
beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'wa-media-client-'));
  client = createNodeMediaClient({
    signaling: h.signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: h.emulator.hostnames },
    retry: { baseDelayMs: 5 },
    spool: tempFileSpool({ directory: dir }),
  });
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => h.emulator.reset());

const seed = (size: number): SeededMedia =>
  seedMedia(h.emulator, size, { type: 'document', seed: size, fileLength: false });

describe('downloadToFile', () => {
  it('writes the verified file (after a corrupted host) and leaves no temp file', async () => {
    const { plain, params } = seed(600_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'flip', offset: 100 },
    });
    const target = join(dir, 'ok.bin');
    const result = await client.downloadToFile(params, target);
    expect(result.fileLength).toBe(plain.length);
    expect(equalBytes(new Uint8Array(await readFile(target)), plain)).toBe(true);
    expect((await readdir(dir)).filter((name) => name.includes('ok.bin'))).toEqual(['ok.bin']);
  });

  it('a failed download leaves no file and no temp file', async () => {
    const { params } = seed(300_000);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'flip', offset: 250_000 },
    });
    const target = join(dir, 'bad.bin');
    const error = await downloadToFile(client, params, target).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaDownloadError(error)).toBe(true);
    expect((await readdir(dir)).filter((name) => name.includes('bad.bin'))).toEqual([]);
  });

  /** The directory entries of `name`, once the transfer fully settled and a little later. */
  async function leftovers(transfer: PromiseLike<unknown>, name: string): Promise<string[]> {
    const error = await Promise.resolve(transfer).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTransferCancelledError(error)).toBe(true);
    await h.emulator.whenIdle();
    await new Promise((resolve) => setTimeout(resolve, 150));
    return (await readdir(dir)).filter((entry) => entry.includes(name));
  }

  it('cancelled before the first byte: no file and no temp file', async () => {
    const { params } = seed(200_000);
    // A stall far longer than the test (it ends when the client hangs up), and the cancel only
    // once the request reached the emulator: a fixed 80 ms raced a 400 ms stall under load.
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'stall', ms: 20_000 },
    });
    const transfer = client.downloadToFile(params, join(dir, 'early.bin'));
    await emulatorServing(h.emulator);
    expect(transfer.progress.bytesDone).toBe(0);
    await transfer.cancel();
    expect(await leftovers(transfer, 'early.bin')).toEqual([]);
  });

  it('cancelled mid-body: no file and no temp file', async () => {
    const { params } = seed(2_000_000);
    h.emulator.faults.setBandwidth(400_000);
    const transfer = client.downloadToFile(params, join(dir, 'mid.bin'), { id: 'cancel-file' });
    await new Promise<void>((resolve) =>
      transfer.on('progress', ({ bytesDone }) => bytesDone > 100_000 && resolve()),
    );
    // The temp file exists while the download runs…
    expect((await readdir(dir)).some((entry) => entry.startsWith('.mid.bin.'))).toBe(true);
    await transfer.cancel();
    // …and is gone once cancel() returned: it stops the operation before cleaning up.
    expect((await readdir(dir)).filter((entry) => entry.includes('mid.bin'))).toEqual([]);
    expect(await leftovers(transfer, 'mid.bin')).toEqual([]);
  });

  it('cancelled while paused: no file and no temp file', async () => {
    const { params } = seed(2_000_000);
    h.emulator.faults.setBandwidth(400_000);
    const transfer = client.downloadToFile(params, join(dir, 'paused.bin'));
    await new Promise<void>((resolve) =>
      transfer.on('progress', ({ bytesDone }) => bytesDone > 100_000 && resolve()),
    );
    await transfer.pause();
    await transfer.cancel();
    expect(await leftovers(transfer, 'paused.bin')).toEqual([]);
  });

  it('a file-system error is writer-failed, never a corrupt file or another host', async () => {
    const { params } = seed(50_000);
    const target = join(dir, 'no-such-dir', 'x.bin');
    const error = await downloadToFile(client, params, target).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaDownloadError(error) && error.code).toBe('writer-failed');
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ENOENT');
    expect(h.emulator.log.filter((e) => e.kind === 'download')).toHaveLength(1);
  });

  it('does not replace an existing file when the download fails', async () => {
    const { params } = seed(50_000);
    const target = join(dir, 'existing.bin');
    await writeFile(target, 'keep me');
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    await downloadToFile(client, params, target).then(
      () => undefined,
      () => undefined,
    );
    expect(await readFile(target, 'utf8')).toBe('keep me');
  });
});

describe('Node upload sources', () => {
  it('fileSource is read twice (hash pass, upload pass); a one-shot Node stream is spooled to a temp file', async () => {
    const plain = testBytes(1_000_003, 77);
    const path = join(dir, 'source.bin');
    await writeFile(path, plain);
    const mediaKey = new Uint8Array(32).fill(3);
    const fromFile = await client.upload(await fileSource(path), 'document', { mediaKey });
    // The one-shot stream looks into the spool directory between its chunks: the client's
    // tempFileSpool must be writing a spool file there (a memory spool would leave none).
    let spoolFilesWhileHashing: string[] = [];
    async function* oneShot(): AsyncGenerator<Uint8Array> {
      yield plain.subarray(0, 500_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      spoolFilesWhileHashing = (await readdir(dir)).filter((name) =>
        name.startsWith('wa-media-spool-'),
      );
      yield plain.subarray(500_000);
    }
    const fromStream = await client.upload(Readable.from(oneShot()), 'document', { mediaKey });
    expect(spoolFilesWhileHashing).toHaveLength(1);
    expect(fromStream.fileEncSha256).toEqual(fromFile.fileEncSha256);
    expect((await readdir(dir)).filter((name) => name.startsWith('wa-media-spool-'))).toEqual([]);
    const back = await client.download({ ...fromFile, type: 'document' });
    expect(equalBytes(back, plain)).toBe(true);
  });
});
