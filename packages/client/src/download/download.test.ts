// Downloads against the emulator: from a Message, the status rules, the media connection, and
// the streaming form.
import {
  type EncryptedMediaType,
  encryptedLength,
  encryptMedia,
  isMediaIntegrityError,
} from '@wa-media/crypto';
import type { Message } from '@wa-media/protocol';
import { bufferedHttpClient } from '@wa-media/transport';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import { isMediaDownloadError, isNoMediaError, isTransferCancelledError } from '../errors.js';
import {
  downloadFailure,
  equalBytes,
  type Harness,
  MemoryWriter,
  type SeededMedia,
  seedMedia,
  startHarness,
  testBytes,
} from '../test-support/harness.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

const seed = (size: number, type: EncryptedMediaType = 'image', seedValue = 1): SeededMedia =>
  seedMedia(h.emulator, size, { type, seed: seedValue });

function downloadsPerHost(): number[] {
  const counts = [0, 0];
  for (const entry of h.emulator.log)
    if (entry.kind === 'download') counts[entry.host] = (counts[entry.host] ?? 0) + 1;
  return counts;
}

describe('download from a Message', () => {
  it('unwraps wrappers and picks the type from the field that is set', async () => {
    const { plain, params } = seed(50_000, 'video');
    const message: Message = {
      ephemeralMessage: {
        message: {
          viewOnceMessageV2: {
            message: {
              videoMessage: {
                directPath: params.directPath,
                mediaKey: params.mediaKey,
                fileSha256: params.fileSha256,
                fileEncSha256: params.fileEncSha256,
                fileLength: BigInt(plain.length),
              },
            },
          },
        },
      },
    };
    expect(equalBytes(await h.client.download(message), plain)).toBe(true);
  });

  it('downloads a history sync notification and a server-hosted thumbnail', async () => {
    const history = seed(3000, 'history');
    const message: Message = {
      protocolMessage: { historySyncNotification: { ...history.params, fileLength: 3000n } },
    };
    expect(equalBytes(await h.client.download(message), history.plain)).toBe(true);

    const thumbPlain = testBytes(900, 4);
    const image = seed(1000, 'image');
    const thumb = encryptMedia(thumbPlain, 'thumbnail-image', {
      mediaKey: image.encrypted.mediaKey,
    });
    const stored = h.emulator.putMedia(thumb.data, { mmsType: 'thumbnail-image' });
    const withThumb: Message = {
      imageMessage: {
        ...image.params,
        fileLength: 1000n,
        thumbnailDirectPath: stored.directPath,
        thumbnailSha256: thumb.fileSha256,
        thumbnailEncSha256: thumb.fileEncSha256,
      },
    };
    expect(equalBytes(await h.client.download(withThumb, { thumbnail: true }), thumbPlain)).toBe(
      true,
    );
    expect(equalBytes(await h.client.download(withThumb), image.plain)).toBe(true);
  });

  it('throws NoMediaError for a message without media', () => {
    expect(() => h.client.download({ extendedTextMessage: { text: 'hi' } })).toThrow(
      expect.objectContaining({ name: 'NoMediaError' }),
    );
    try {
      h.client.download({});
    } catch (error) {
      expect(isNoMediaError(error)).toBe(true);
    }
  });

  it('works with the default transport (ky) and buffered adapters too', async () => {
    const { plain, params } = seed(120_000, 'image', 9);
    const defaultClient = createMediaClient({
      signaling: h.signaling,
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
    expect(equalBytes(await defaultClient.download(params), plain)).toBe(true);
    const uploaded = await defaultClient.upload(plain, 'image');
    expect(uploaded.fileLength).toBe(plain.length);
    const buffered = createMediaClient({
      signaling: h.signaling,
      http: bufferedHttpClient(h.http),
      cdn: { scheme: 'http', allowPrivateAddresses: true },
    });
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'flip', offset: 7 },
    });
    expect(equalBytes(await buffered.download(params), plain)).toBe(true);
  });

  it('works without signalling (default hosts)', async () => {
    const { plain, params } = seed(10_000);
    const client = createMediaClient({
      http: h.http,
      cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: h.emulator.hostnames },
    });
    expect(equalBytes(await client.download(params), plain)).toBe(true);
  });
});

describe('status rules', () => {
  it('401/403: invalidates, refreshes once, retries from the first host', async () => {
    const { plain, params } = seed(20_000);
    await h.client.mediaConn.get();
    const before = h.signaling.mediaConnQueries;
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 403 },
    });
    expect(equalBytes(await h.client.download(params), plain)).toBe(true);
    expect(h.signaling.mediaConnQueries - before).toBe(1);
    expect(downloadsPerHost()).toEqual([2, 0]);
  });

  it('401 again after the one refresh is final', async () => {
    const { params } = seed(20_000);
    await h.client.mediaConn.get();
    const before = h.signaling.mediaConnQueries;
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 401 },
    });
    const error = await downloadFailure(h.client.download(params));
    expect(error.code).toBe('auth-failed');
    expect(h.signaling.mediaConnQueries - before).toBe(1);
    expect(downloadsPerHost()).toEqual([2, 0]);
  });

  it('404/410: refresh + re-derive once, then final', async () => {
    const { plain, params } = seed(20_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 410 },
    });
    expect(equalBytes(await h.client.download(params), plain)).toBe(true);
    h.emulator.clearLog();
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 404 },
    });
    const queriesBefore = h.signaling.mediaConnQueries;
    const error = await downloadFailure(h.client.download(params));
    expect(error.code).toBe('media-not-found');
    expect(error.status).toBe(404);
    expect(downloadsPerHost()).toEqual([2, 0]);
    expect(h.signaling.mediaConnQueries - queriesBefore).toBe(1); // the one refresh
  });

  it('429 honours Retry-After on the same host', async () => {
    const { plain, params } = seed(20_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 429, retryAfterSec: 1 },
    });
    const started = Date.now();
    expect(equalBytes(await h.client.download(params), plain)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(downloadsPerHost()).toEqual([2, 0]);
  });

  it.each([502, 503, 504] as const)(
    '%i is retried on the same host a few times, then the next host',
    async (status) => {
      const { plain, params } = seed(20_000);
      h.emulator.faults.add({
        on: 'download',
        host: 0,
        times: 'always',
        fault: { kind: 'status', status },
      });
      expect(equalBytes(await h.client.download(params), plain)).toBe(true);
      expect(downloadsPerHost()).toEqual([3, 1]);
    },
  );

  it('a network error (reset) is retried on the same host', async () => {
    const { plain, params } = seed(20_000);
    h.emulator.faults.add({ on: 'download', host: 0, times: 1, fault: { kind: 'reset' } });
    expect(equalBytes(await h.client.download(params), plain)).toBe(true);
    expect(downloadsPerHost()).toEqual([2, 0]);
  });

  it('other ≥ 400 moves to the next host at once', async () => {
    const { plain, params } = seed(20_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 500 },
    });
    expect(equalBytes(await h.client.download(params), plain)).toBe(true);
    expect(downloadsPerHost()).toEqual([1, 1]);
  });

  it('corrupted bytes on one host: next host, and the writer never keeps them', async () => {
    const { plain, params } = seed(300_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'flip', offset: 1000 },
    });
    const writer = new MemoryWriter();
    const result = await h.client.downloadToWriter(params, writer);
    expect(equalBytes(writer.bytes(), plain)).toBe(true);
    expect(writer.truncates).toBeGreaterThanOrEqual(1);
    expect(result.fileLength).toBe(plain.length);
    expect(downloadsPerHost()).toEqual([1, 1]);
  });

  it('integrity failure on every host: fails with the causes and leaves the writer empty', async () => {
    const { params } = seed(100_000);
    h.emulator.faults.add({ on: 'download', times: 'always', fault: { kind: 'flip', offset: 5 } });
    const writer = new MemoryWriter();
    const error = await downloadFailure(h.client.downloadToWriter(params, writer));
    expect(error.code).toBe('all-hosts-failed');
    expect(error.attempts.length).toBe(2);
    expect(error.attempts.every((attempt) => isMediaIntegrityError(attempt.error))).toBe(true);
    expect(writer.maxLength).toBeGreaterThan(0);
    expect(writer.data.length).toBe(0);
  });

  it('a writer without seek/truncate fails with not-rewindable instead of keeping bad bytes', async () => {
    const { params } = seed(100_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'flip', offset: 5 },
    });
    const chunks: Uint8Array[] = [];
    const error = await downloadFailure(
      h.client.downloadToWriter(params, { write: (chunk) => void chunks.push(chunk) }),
    );
    expect(error.code).toBe('not-rewindable');
  });

  it('a body cut mid-stream resumes with a Range request and verifies', async () => {
    const { plain, params } = seed(400_000);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'truncate', afterBytes: 150_000 },
    });
    const writer = new MemoryWriter();
    await h.client.downloadToWriter(params, writer);
    expect(equalBytes(writer.bytes(), plain)).toBe(true);
    const downloads = h.emulator.log.filter((entry) => entry.kind === 'download');
    expect(downloads.length).toBe(2);
    expect(downloads[1]?.range).toMatch(/^bytes=\d+-$/);
    const total = downloads.reduce((sum, entry) => sum + entry.bytesOut, 0);
    expect(total).toBe(encryptedLength(plain.length));
  });

  it('errors name no secret (auth, media key, signed query)', async () => {
    const { params } = seed(1000);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    const error = await downloadFailure(h.client.download(params));
    const conn = h.client.mediaConn.peek();
    const text = `${JSON.stringify(error)} ${error.message} ${error.stack} ${String(error.attempts.map((a) => `${a.url} ${String(a.error)} ${JSON.stringify(a.error)}`))}`;
    const oh = new URLSearchParams(params.directPath.split('?')[1]).get('oh') as string;
    expect(text).not.toContain(oh);
    expect(text).not.toContain(Buffer.from(params.mediaKey).toString('base64'));
    if (conn) expect(text).not.toContain(conn.auth);
  });
});

describe('media connection', () => {
  it('100 concurrent downloads share one media_conn query', async () => {
    const items = Array.from({ length: 5 }, (_, i) => seed(5000 + i, 'image', i + 1));
    const client = h.makeClient();
    const before = h.signaling.mediaConnQueries;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        client.download(items[i % items.length]?.params as never),
      ),
    );
    expect(h.signaling.mediaConnQueries - before).toBe(1);
    for (const [i, bytes] of results.entries()) {
      expect(equalBytes(bytes, items[i % items.length]?.plain as Uint8Array)).toBe(true);
    }
  });

  it('is invalidated when the signalling reports a disconnect', async () => {
    const client = h.makeClient();
    await client.mediaConn.get();
    expect(client.mediaConn.peek()).toBeDefined();
    h.signaling.disconnect();
    expect(client.mediaConn.peek()).toBeUndefined();
    const before = h.signaling.mediaConnQueries;
    await client.mediaConn.get();
    expect(h.signaling.mediaConnQueries - before).toBe(1);
  });

  it('orders hosts primary first, each fallback_hostname right after its host', async () => {
    const conn = await h.client.mediaConn.get();
    expect(
      h.client.mediaConn.hostOrder({
        ...conn,
        hosts: [
          { hostname: 'b', type: 'fallback' },
          { hostname: 'a', type: 'primary', fallbackHostname: 'a2' },
        ],
      }),
    ).toEqual(['b', 'a', 'a2']);
  });
});

describe('downloadStream', () => {
  it('streams verified plaintext and closes', async () => {
    const { plain, params } = seed(250_000);
    const stream = h.client.downloadStream(params);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
    expect(equalBytes(Buffer.concat(chunks), plain)).toBe(true);
    expect(stream.transfer.state).toBe('succeeded');
  });

  it('errors (never closes cleanly) when verification fails', async () => {
    const { params } = seed(250_000);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'flip', offset: 200_000 },
    });
    const stream = h.client.downloadStream(params);
    const reading = (async () => {
      for await (const _ of stream as unknown as AsyncIterable<Uint8Array>) {
        // consume
      }
    })();
    await expect(reading).rejects.toSatisfy((error: unknown) => isMediaDownloadError(error));
  });

  it('a stream nobody reads can still be paused, resumed and cancelled (backpressure never blocks cancel)', async () => {
    const { params } = seed(1_000_000);
    const stream = h.client.downloadStream(params);
    const { transfer } = stream;
    // Nobody reads: the engine is parked in backpressure once the queue is full.
    for (let i = 0; i < 100 && transfer.progress.bytesDone === 0; i++) await delay(5);
    await delay(50);
    await transfer.pause();
    await transfer.resume();
    const cancelled = transfer.cancel();
    await Promise.race([
      cancelled,
      delay(3000).then(() => {
        throw new Error('cancel() did not return: the operation is stuck in backpressure');
      }),
    ]);
    expect(transfer.state).toBe('cancelled');
    await expect(stream.getReader().read()).rejects.toSatisfy(isTransferCancelledError);
    await h.emulator.whenIdle();
  });
});
