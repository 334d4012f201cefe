import { encryptedLength, encryptMedia } from '@wa-media/crypto';
import { bufferedHttpClient } from '@wa-media/transport';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import {
  isMediaDownloadError,
  isMediaUploadError,
  isTransferCancelledError,
  isTransferStateError,
  type TransferStateError,
} from '../errors.js';
import {
  equalBytes,
  type Harness,
  MemoryWriter,
  startHarness,
  testBytes,
} from '../test-support/harness.js';
import { startRangeBlindServer } from '../test-support/range-blind-server.js';
import type { Transfer, TransferState } from './transfer.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

function seed(size: number, seedValue = 1) {
  const plain = testBytes(size, seedValue);
  const encrypted = encryptMedia(plain, 'video');
  const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'video' });
  return {
    plain,
    blobLength: encrypted.data.length,
    params: {
      type: 'video' as const,
      directPath: stored.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
    },
  };
}

function reached(transfer: Transfer<unknown>, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    if (transfer.progress.bytesDone >= bytes) resolve();
    const off = transfer.on('progress', ({ bytesDone }) => {
      if (bytesDone >= bytes) {
        off();
        resolve();
      }
    });
  });
}

async function stateError(action: Promise<void>): Promise<TransferStateError> {
  const error = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isTransferStateError(error))
    throw new Error(`expected TransferStateError, got ${String(error)}`);
  return error;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('pause / resume', () => {
  it('download: pausing at random points and resuming gives the verified bytes; only missing bytes move', async () => {
    const { plain, params, blobLength } = seed(3_000_000, 5);
    h.emulator.faults.setBandwidth(12_000_000);
    const writer = new MemoryWriter();
    const transfer = h.client.downloadToWriter(params, writer, { id: 'dl-pause' });
    const states: TransferState[] = [];
    transfer.on('state', ({ state }) => states.push(state));
    for (const fraction of [
      0.2 + Math.random() * 0.15,
      0.5 + Math.random() * 0.15,
      0.8 + Math.random() * 0.1,
    ]) {
      await reached(transfer, Math.floor(blobLength * fraction));
      await h.client.transfers.pause('dl-pause');
      expect(transfer.state).toBe('paused');
      // Paused holds no request: the CDN goes idle.
      await Promise.race([
        h.emulator.whenIdle(),
        delay(3000).then(() => {
          throw new Error('a request is still open while paused');
        }),
      ]);
      await h.client.transfers.resume('dl-pause');
    }
    const result = await transfer;
    expect(result.fileLength).toBe(plain.length);
    expect(equalBytes(writer.bytes(), plain)).toBe(true);
    expect(writer.truncates).toBe(0); // never restarted from 0
    expect(states.filter((s) => s === 'paused')).toHaveLength(3);
    await h.emulator.whenIdle();
    const downloads = h.emulator.log.filter((e) => e.kind === 'download');
    expect(downloads).toHaveLength(4);
    const starts = downloads.map((e) =>
      e.range === undefined ? 0 : Number(/bytes=(\d+)-/.exec(e.range)?.[1]),
    );
    expect(starts[0]).toBe(0);
    for (let i = 1; i < starts.length; i++)
      expect(starts[i]).toBeGreaterThan(starts[i - 1] as number);
    // Each resumed request asks exactly for what was not received; nothing is fetched twice
    // beyond what was in flight in socket buffers at the pause.
    const moved = downloads.reduce((sum, e) => sum + e.bytesOut, 0);
    expect(moved).toBeGreaterThanOrEqual(blobLength);
    expect(moved - blobLength).toBeLessThan(3 * 512 * 1024);
    h.emulator.faults.setBandwidth(null);
  });

  it('upload ≥ 5 MiB: resume uploads only the bytes the CDN does not have (file_offset)', async () => {
    const plain = testBytes(5_500_000, 8);
    const blobLength = encryptedLength(plain.length);
    h.emulator.faults.setBandwidth(25_000_000);
    const transfer = h.client.upload(new Blob([plain]), 'document', { id: 'up-pause' });
    await reached(transfer, Math.floor(blobLength * (0.3 + Math.random() * 0.3)));
    await transfer.pause();
    // Let the CDN finish handling the cut request (it keeps the bytes it received): bytes
    // still in loopback socket buffers reach it after the client aborted.
    for (let i = 0; i < 200 && !h.emulator.log.some((e) => e.kind === 'upload' && e.aborted); i++)
      await delay(10);
    await h.emulator.whenIdle();
    await transfer.resume();
    const result = await transfer;
    h.emulator.faults.setBandwidth(null);
    expect(result.fileLength).toBe(plain.length);
    await h.emulator.whenIdle();
    const uploads = h.emulator.log.filter((e) => e.kind === 'upload');
    expect(uploads).toHaveLength(2);
    const kept = uploads[0]?.bytesIn as number;
    expect(uploads[1]?.path).toContain(`file_offset=${kept}`);
    expect(uploads.reduce((sum, e) => sum + e.bytesIn, 0)).toBe(blobLength);
    const back = await h.client.download({ ...result, type: 'document' });
    expect(equalBytes(back, plain)).toBe(true);
  });

  it('a server that ignores Range gets a clean restart (writer rewound), also through a buffered adapter', async () => {
    const plain = testBytes(800_000, 6);
    const encrypted = encryptMedia(plain, 'video');
    const server = await startRangeBlindServer(encrypted.data);
    try {
      for (const http of [h.http, bufferedHttpClient(h.http)]) {
        server.requests.length = 0;
        const client = createMediaClient({
          http,
          cdn: { scheme: 'http', defaultHosts: [server.host] },
        });
        const params = {
          type: 'video' as const,
          directPath: '/v/blob.enc?oh=x&oe=y',
          mediaKey: encrypted.mediaKey,
          fileSha256: encrypted.fileSha256,
          fileEncSha256: encrypted.fileEncSha256,
        };
        const writer = new MemoryWriter();
        const transfer = client.downloadToWriter(params, writer);
        if (http === h.http) {
          await reached(transfer, 200_000);
          await transfer.pause();
          await delay(20);
          await transfer.resume();
        }
        await transfer;
        expect(equalBytes(writer.bytes(), plain)).toBe(true);
        if (http === h.http) {
          expect(server.requests[1]?.range).toMatch(/^bytes=\d+-$/);
          expect(writer.truncates).toBeGreaterThanOrEqual(1);
        }
      }
    } finally {
      await server.close();
    }
  });
});

describe('streams cannot take bytes back', () => {
  it('a paused downloadStream whose server ignores Range errors with not-rewindable', async () => {
    const plain = testBytes(600_000, 16);
    const encrypted = encryptMedia(plain, 'video');
    const server = await startRangeBlindServer(encrypted.data);
    try {
      const client = createMediaClient({
        http: h.http,
        cdn: { scheme: 'http', defaultHosts: [server.host] },
      });
      const stream = client.downloadStream({
        type: 'video',
        directPath: '/v/blob.enc',
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
      });
      const reader = stream.getReader();
      let received = 0;
      while (received < 100_000) {
        const { value } = await reader.read();
        received += value?.length ?? 0;
      }
      await stream.transfer.pause();
      await stream.transfer.resume();
      const error = await (async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) return undefined;
        }
      })().catch((e: unknown) => e);
      expect(isMediaDownloadError(error) && error.code).toBe('not-rewindable');
    } finally {
      await server.close();
    }
  });
});

describe('upload pause / resume below 5 MiB and from a one-shot stream', () => {
  it('below 5 MiB a resumed upload restarts the POST and succeeds', async () => {
    const plain = testBytes(1_500_000, 12);
    h.emulator.faults.setBandwidth(6_000_000);
    const transfer = h.client.upload(plain, 'image', { id: 'small-pause' });
    await reached(transfer, 300_000);
    await transfer.pause();
    await delay(20);
    await transfer.resume();
    const result = await transfer;
    h.emulator.faults.setBandwidth(null);
    await h.emulator.whenIdle();
    const uploads = h.emulator.log.filter((e) => e.kind === 'upload');
    expect(uploads.at(-1)?.status).toBe(200);
    expect(uploads.at(-1)?.bytesIn).toBe(encryptedLength(plain.length));
    expect(uploads.some((e) => e.path.includes('file_offset'))).toBe(false);
    expect(equalBytes(await h.client.download({ ...result, type: 'image' }), plain)).toBe(true);
  });

  it('a one-shot stream (spooled) can be paused and resumed', async () => {
    const plain = testBytes(2_000_000, 13);
    h.emulator.faults.setBandwidth(8_000_000);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < plain.length; i += 100_000)
          controller.enqueue(plain.slice(i, i + 100_000));
        controller.close();
      },
    });
    const transfer = h.client.upload(stream, 'document', { id: 'stream-pause' });
    await reached(transfer, 500_000);
    await transfer.pause();
    await delay(20);
    await transfer.resume();
    const result = await transfer;
    h.emulator.faults.setBandwidth(null);
    expect(equalBytes(await h.client.download({ ...result, type: 'document' }), plain)).toBe(true);
  });

  it('a failing source fails the upload with source-failed and nothing is sent', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(1000);
      throw new Error('disk on fire');
    }
    const error = await h.client.upload(broken(), 'document').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaUploadError(error) && error.code).toBe('source-failed');
    expect(h.emulator.log.filter((e) => e.kind === 'upload')).toHaveLength(0);
  });
});

describe('cancel', () => {
  it('in every state: pending, running, paused', async () => {
    const { params } = seed(1_000_000, 2);
    h.emulator.faults.setBandwidth(2_000_000);
    const pending = h.client.download(params, { id: 'c-pending' });
    expect(pending.state).toBe('pending');
    await pending.cancel();
    const running = h.client.download(params, { id: 'c-running' });
    await reached(running, 10_000);
    expect(running.state).toBe('running');
    await running.cancel();
    const paused = h.client.download(params, { id: 'c-paused' });
    await reached(paused, 10_000);
    await paused.pause();
    await paused.cancel();
    // Cancelled transfers hold no socket either.
    await Promise.race([
      h.emulator.whenIdle(),
      delay(3000).then(() => {
        throw new Error('a request is still open after cancel');
      }),
    ]);
    h.emulator.faults.setBandwidth(null);
    for (const transfer of [pending, running, paused]) {
      expect(transfer.state).toBe('cancelled');
      const error = await transfer.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTransferCancelledError(error)).toBe(true);
    }
    // Cancelled twice: refused, naming the final state.
    expect((await stateError(h.client.transfers.cancel('c-running'))).state).toBe('cancelled');
  });

  it('the caller signal cancels; an upload can be cancelled while paused', async () => {
    const { params } = seed(500_000, 3);
    const controller = new AbortController();
    h.emulator.faults.setBandwidth(1_000_000);
    const transfer = h.client.download(params, { signal: controller.signal });
    await reached(transfer, 1);
    controller.abort();
    await expect(transfer).rejects.toSatisfy(isTransferCancelledError);
    const upload = h.client.upload(testBytes(600_000), 'image', { id: 'up-cancel' });
    await reached(upload, 10_000);
    await upload.pause();
    await upload.cancel();
    h.emulator.faults.setBandwidth(null);
    await expect(upload).rejects.toSatisfy(isTransferCancelledError);
  });
});

describe('acting on ended or unknown transfers', () => {
  it('refuses after success or failure, with the final state; unknown ids say so', async () => {
    const { params } = seed(10_000, 4);
    const ok = h.client.download(params, { id: 'ended-ok' });
    await ok;
    for (const action of [
      ok.cancel(),
      ok.pause(),
      ok.resume(),
      h.client.transfers.cancel('ended-ok'),
    ]) {
      const error = await stateError(action);
      expect(error.code).toBe('transfer-ended');
      expect(error.state).toBe('succeeded');
    }
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    const failed = h.client.download(params, { id: 'ended-failed' });
    await expect(failed).rejects.toSatisfy(isMediaDownloadError);
    const error = await stateError(h.client.transfers.cancel('ended-failed'));
    expect(error.state).toBe('failed');
    expect((await stateError(h.client.transfers.pause('nope'))).code).toBe('unknown-transfer');
    expect(h.client.transfers.get('ended-ok')?.state).toBe('succeeded');
    // An id in use by an active transfer is refused; an ended one may be reused.
    expect(() => h.client.download(params, { id: 'ended-ok' })).not.toThrow();
  });
});

describe('many concurrent transfers', () => {
  it('50 transfers with random pause / resume / cancel all end consistently', async () => {
    const items = Array.from({ length: 5 }, (_, i) => seed(150_000 + i * 1000, 100 + i));
    h.emulator.faults.setBandwidth(30_000_000);
    const transfers = Array.from({ length: 50 }, (_, i) => {
      const item = items[i % items.length]!;
      return { item, transfer: h.client.download(item.params, { id: `many-${i}` }) };
    });
    const chaos = transfers.map(async ({ transfer }) => {
      for (let step = 0; step < 3; step++) {
        await delay(Math.random() * 30);
        const roll = Math.random();
        try {
          if (roll < 0.1) await transfer.cancel();
          else if (roll < 0.55) {
            await transfer.pause();
            await delay(Math.random() * 20);
            await transfer.resume();
          }
        } catch (error) {
          expect(isTransferStateError(error)).toBe(true); // it had already ended
        }
      }
    });
    await Promise.all(chaos);
    const outcomes = await Promise.all(
      transfers.map(({ transfer }) =>
        transfer.then(
          (bytes) => ({ ok: true as const, bytes }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      ),
    );
    h.emulator.faults.setBandwidth(null);
    outcomes.forEach((outcome, i) => {
      const { item, transfer } = transfers[i]!;
      if (outcome.ok) {
        expect(transfer.state).toBe('succeeded');
        expect(equalBytes(outcome.bytes, item.plain)).toBe(true);
      } else {
        expect(transfer.state).toBe('cancelled');
        expect(isTransferCancelledError(outcome.error)).toBe(true);
      }
    });
    expect(
      h.client.transfers
        .list()
        .filter((t) => t.id.startsWith('many-') && !['succeeded', 'cancelled'].includes(t.state)),
    ).toEqual([]);
  });
});
