// Recovery paths of the download engine, end to end against the emulator: a failing writer, the
// one-refresh budget, a pause after the last byte, a stale staticUrl, media_conn failures, the
// sidecar range path under the status rules, and what automatic reupload reports.

import { type EncryptedMediaType, encryptMedia } from '@wa-media/crypto';
import type { Message } from '@wa-media/protocol';
import { createNodeHttpClient } from '@wa-media/transport/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import { isMediaConnFetchError, isMediaUploadError } from '../errors.js';
import {
  downloadFailure,
  equalBytes,
  type Harness,
  MemoryWriter,
  OWN_JID,
  type SeededMedia,
  seedMedia,
  startHarness,
  testBytes,
} from '../test-support/harness.js';
import { startWrongRangeServer } from '../test-support/wrong-range-server.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ media: { expiredStatus: 410 } });
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.emulator.setSignalingBehavior({});
  h.client.mediaConn.invalidate();
});
/** Run after each test, failed or timed out: nothing a test started may reach the next one. */
const teardowns: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const teardown of teardowns.splice(0)) await teardown();
  await h.emulator.whenIdle();
});

const CHAT = '15550002222@s.whatsapp.net';

const seed = (
  size: number,
  type: EncryptedMediaType = 'image',
  seedValue = 1,
  sidecar = false,
): SeededMedia => seedMedia(h.emulator, size, { type, seed: seedValue, sidecar });

function downloadStatuses(): number[] {
  return h.emulator.log.filter((e) => e.kind === 'download').map((e) => e.status);
}

/** Primes the cache and returns a function giving the media_conn IQs sent since. */
async function countRefreshes(): Promise<() => number> {
  await h.client.mediaConn.get();
  const before = h.signaling.mediaConnQueries;
  return () => h.signaling.mediaConnQueries - before;
}

describe('a writer that fails', () => {
  it('fails the download with writer-failed; no host is blamed and nothing is presented', async () => {
    const { params } = seed(400_000, 'image', 5);
    class FlakyWriter extends MemoryWriter {
      calls = 0;
      override write(chunk: Uint8Array): void {
        this.calls += 1;
        if (this.calls === 3) throw new Error('EAGAIN once');
        super.write(chunk);
      }
    }
    const writer = new FlakyWriter();
    const error = await downloadFailure(h.client.downloadToWriter(params, writer));
    expect(error.code).toBe('writer-failed');
    expect((error.cause as Error).message).toBe('EAGAIN once');
    // One request: the CDN did nothing wrong, so no other host and no Range retry.
    expect(h.emulator.log.filter((e) => e.kind === 'download')).toHaveLength(1);
    expect(writer.length).toBe(0); // rewound and truncated after the failure
  });

  it('a truncate() that throws while rewinding for another host is writer-failed too', async () => {
    const { params } = seed(300_000, 'image', 7);
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'flip', offset: 250_000 },
    });
    const writer = Object.assign(new MemoryWriter(), {
      truncate(): void {
        throw new Error('EIO on truncate');
      },
    });
    const error = await downloadFailure(h.client.downloadToWriter(params, writer));
    expect(error.code).toBe('writer-failed');
    expect((error.cause as Error).message).toBe('EIO on truncate');
    // The bad host was tried; the good one was not asked to fill a writer that cannot rewind.
    expect(h.emulator.log.filter((e) => e.kind === 'download').map((e) => e.host)).toEqual([0]);
  });

  it('a close() that throws fails the transfer with writer-failed', async () => {
    const { params } = seed(10_000, 'image', 6);
    const writer = Object.assign(new MemoryWriter(), {
      close(): void {
        throw new Error('rename failed');
      },
    });
    const error = await downloadFailure(h.client.downloadToWriter(params, writer));
    expect(error.code).toBe('writer-failed');
  });
});

describe('one media_conn refresh per operation', () => {
  it('401 then 404: one refresh, then final media-not-found', async () => {
    const { params } = seed(20_000);
    const refreshes = await countRefreshes();
    h.emulator.faults.add({ on: 'download', times: 1, fault: { kind: 'status', status: 401 } });
    h.emulator.faults.add({ on: 'download', times: 1, fault: { kind: 'status', status: 404 } });
    const error = await downloadFailure(h.client.download(params));
    expect(error.code).toBe('media-not-found');
    expect(downloadStatuses()).toEqual([401, 404]);
    expect(refreshes()).toBe(1);
  });

  it('410 with automatic reupload: one refresh in all, then the new path', async () => {
    const { plain, encrypted, stored } = seed(20_000, 'image', 3);
    h.emulator.phone.remember({
      msgId: 'M-410',
      mediaKey: encrypted.mediaKey,
      directPath: stored.directPath,
    });
    h.emulator.expireMedia(stored.directPath);
    const refreshes = await countRefreshes();
    const bytes = await h.client.download(
      {
        type: 'image',
        directPath: stored.directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
      },
      { reupload: { msgId: 'M-410', chatJid: CHAT, isFromMe: false } },
    );
    expect(equalBytes(bytes, plain)).toBe(true);
    expect(downloadStatuses()).toEqual([410, 410, 200]);
    expect(refreshes()).toBe(1);
  });

  it('403 that survives the refresh is expired: automatic reupload, then the new path', async () => {
    const { plain, encrypted, stored } = seed(20_000, 'image', 4);
    h.emulator.phone.remember({
      msgId: 'M-403',
      mediaKey: encrypted.mediaKey,
      directPath: stored.directPath,
    });
    // Both passes over the old path answer 403 (only as many as there are hosts each time).
    h.emulator.faults.add({ on: 'download', times: 2, fault: { kind: 'status', status: 403 } });
    const refreshes = await countRefreshes();
    const bytes = await h.client.download(
      {
        type: 'image',
        directPath: stored.directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
      },
      { reupload: { msgId: 'M-403', chatJid: CHAT, isFromMe: false } },
    );
    expect(equalBytes(bytes, plain)).toBe(true);
    expect(downloadStatuses()).toEqual([403, 403, 200]);
    expect(refreshes()).toBe(1);
    expect(h.emulator.phone.requests.map((r) => r.msgId)).toEqual(['M-403']);
  });

  it('403 after the refresh without reupload: media-expired (404/410 stay media-not-found)', async () => {
    const { params } = seed(20_000, 'image', 5);
    h.emulator.faults.add({ on: 'download', times: 2, fault: { kind: 'status', status: 403 } });
    const error = await downloadFailure(h.client.download(params));
    expect(error.code).toBe('media-expired');
    expect(error.status).toBe(403);
    expect(downloadStatuses()).toEqual([403, 403]);
  });

  it('100 concurrent downloads each hit by one 401 share a bounded number of refreshes', async () => {
    const { plain, params } = seed(20_000, 'image', 8);
    // The refresh is answered only once every first request has its 401, however slowly the
    // machine sends them (a fixed reply delay was not enough under load).
    let gated = false;
    let ended = false;
    const first401s = async (): Promise<void> => {
      const count = (): number =>
        h.emulator.log.filter((e) => e.kind === 'download' && e.status === 401).length;
      while (!ended && count() < 100) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const client = h.makeClient({
      signaling: {
        ...h.signaling,
        query: async (node, options) => {
          if (gated) await first401s();
          return h.signaling.query(node, options);
        },
      },
    });
    await client.mediaConn.get();
    const before = h.signaling.mediaConnQueries;
    gated = true;
    h.emulator.faults.add({ on: 'download', times: 100, fault: { kind: 'status', status: 401 } });
    const downloads = Array.from({ length: 100 }, () => client.download(params));
    // Even when the test times out: the gate opens, every download is cancelled and awaited.
    teardowns.push(async () => {
      ended = true;
      await Promise.allSettled(downloads.map(async (download) => download.cancel()));
      await Promise.allSettled(downloads);
      client.close();
    });
    // Settled, not Promise.all: a failure must not leave 99 downloads running into later tests.
    const settled = await Promise.allSettled(downloads);
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect(failures).toEqual([]);
    const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    expect(results.every((bytes) => equalBytes(bytes, plain))).toBe(true);
    const refreshes = h.signaling.mediaConnQueries - before;
    expect(refreshes).toBeGreaterThanOrEqual(1);
    expect(refreshes).toBeLessThanOrEqual(2);
  });
});

describe('resume after the last byte', () => {
  it('paused after the whole blob arrived: resumes without a request and verifies', async () => {
    const { plain, params, encrypted } = seed(300_000, 'video', 2);
    const writer = new MemoryWriter();
    const transfer = h.client.downloadToWriter(params, writer);
    let pauseAsked = false;
    let pausedAt = -1;
    transfer.on('progress', ({ bytesDone }) => {
      if (!pauseAsked && bytesDone >= encrypted.data.length) {
        pauseAsked = true;
        transfer.pause().catch(() => {});
      }
    });
    transfer.on('state', ({ state }) => {
      if (state !== 'paused') return;
      pausedAt = h.emulator.log.filter((e) => e.kind === 'download').length;
      setTimeout(() => void transfer.resume().catch(() => {}), 30);
    });
    await transfer;
    expect(pausedAt).toBe(1); // really paused, after the one request delivered every byte
    expect(equalBytes(writer.bytes(), plain)).toBe(true);
    await h.emulator.whenIdle();
    expect(downloadStatuses()).toEqual([200]); // nothing asked again after the resume
  });
});

describe('a resume answered with the wrong range', () => {
  it('restarts from byte 0 on the same host (writer rewound), not counted as a host failure', async () => {
    const plain = testBytes(300_000, 21);
    const encrypted = encryptMedia(plain, 'video');
    const server = await startWrongRangeServer(encrypted.data, 120_000);
    const http = createNodeHttpClient();
    try {
      // One host only: were the wrong 206 a host failure, the download would fail.
      const client = createMediaClient({
        http,
        cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: [server.host] },
        retry: { baseDelayMs: 1 },
      });
      const writer = new MemoryWriter();
      const result = await client.downloadToWriter(
        {
          type: 'video',
          directPath: '/v/t62.7161-24/wrong-range.enc?oh=x&oe=y',
          mediaKey: encrypted.mediaKey,
          fileSha256: encrypted.fileSha256,
          fileEncSha256: encrypted.fileEncSha256,
        },
        writer,
      );
      expect(equalBytes(writer.data, plain)).toBe(true);
      expect(result.fileLength).toBe(plain.length);
      // Cut → resume from where the bytes stopped → wrong 206 → whole blob again from 0.
      expect(server.requests.map((r) => r.range)).toEqual([
        undefined,
        expect.stringMatching(/^bytes=[1-9]\d*-$/),
        undefined,
      ]);
      expect(writer.truncates).toBe(1);
      expect(writer.maxLength).toBe(plain.length);
    } finally {
      http.close();
      await server.close();
    }
  });

  it('a writer that cannot rewind fails with not-rewindable instead of appending', async () => {
    const plain = testBytes(300_000, 22);
    const encrypted = encryptMedia(plain, 'video');
    const server = await startWrongRangeServer(encrypted.data, 120_000);
    const http = createNodeHttpClient();
    try {
      const client = createMediaClient({
        http,
        cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: [server.host] },
        retry: { baseDelayMs: 1 },
      });
      let written = 0;
      const error = await downloadFailure(
        client.downloadToWriter(
          {
            type: 'video',
            directPath: '/v/t62.7161-24/wrong-range.enc?oh=x&oe=y',
            mediaKey: encrypted.mediaKey,
            fileSha256: encrypted.fileSha256,
            fileEncSha256: encrypted.fileEncSha256,
          },
          {
            write(chunk) {
              written += chunk.length;
            },
          },
        ),
      );
      expect(error.code).toBe('not-rewindable');
      expect(written).toBeLessThan(plain.length);
      expect(server.requests).toHaveLength(2);
    } finally {
      http.close();
      await server.close();
    }
  });
});

describe('staticUrl', () => {
  it.each([404, 410, 500] as const)(
    'a stale staticUrl (%i) falls back to the directPath on the media_conn hosts',
    async (status) => {
      const { plain, params } = seed(20_000, 'image', 12);
      // The staticUrl points at host 1, which always fails; the direct path on host 0 works.
      const staticUrl = h.emulator.downloadUrls(params.directPath)[1] as string;
      h.emulator.faults.add({
        on: 'download',
        host: 1,
        times: 'always',
        fault: { kind: 'status', status },
      });
      const refreshes = await countRefreshes();
      const bytes = await h.client.download({ ...params, staticUrl });
      expect(equalBytes(bytes, plain)).toBe(true);
      const downloads = h.emulator.log.filter((e) => e.kind === 'download');
      expect(downloads.map((e) => [e.host, e.status])).toEqual([
        [1, status],
        [0, 200],
      ]);
      expect(refreshes()).toBe(0);
    },
  );
});

describe('media_conn failing with signalling present', () => {
  it('downloads fall back to the default hosts; uploads fail with MediaConnFetchError', async () => {
    h.emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    const { plain, params } = seed(20_000, 'image', 13);
    const client = h.makeClient({ mediaConnTimeoutMs: 200 });
    expect(equalBytes(await client.download(params), plain)).toBe(true);
    const upload = await client.upload(testBytes(1000), 'image').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isMediaConnFetchError(upload)).toBe(true);
    expect(isMediaUploadError(upload)).toBe(false);
  });

  it('without cdn.defaultHosts the protocol defaults (mmg, mmg-fallback) are used', async () => {
    h.emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    const { params } = seed(1000, 'image', 14);
    // Only loopback is reachable here: record the hosts asked and refuse the others.
    const real = createNodeHttpClient();
    const asked: string[] = [];
    const client = createMediaClient({
      signaling: h.signaling,
      cdn: { scheme: 'http', allowPrivateAddresses: true },
      mediaConnTimeoutMs: 200,
      retry: { sameHostRetries: 0 },
      http: {
        ...real,
        request(request) {
          const host = new URL(request.url).hostname;
          asked.push(host);
          if (host !== '127.0.0.1') throw new Error(`refused non-loopback host ${host}`);
          return real.request(request);
        },
      },
    });
    const error = await downloadFailure(client.download(params));
    expect(error.code).toBe('all-hosts-failed');
    expect(asked).toEqual(['mmg.whatsapp.net', 'mmg-fallback.whatsapp.net']);
  });
});

describe('downloadRange with a sidecar follows the status rules', () => {
  it.each([
    [401, 1],
    [404, 1],
    [503, 0],
  ] as const)(
    '%i: recovers (refreshes: %i) and authenticates the range',
    async (status, expected) => {
      const { plain, params } = seed(600_000, 'video', 21, true);
      const refreshes = await countRefreshes();
      h.emulator.faults.add({ on: 'download', times: 1, fault: { kind: 'status', status } });
      const bytes = await h.client.downloadRange(params, 200_000, 260_000);
      expect(equalBytes(bytes, plain.subarray(200_000, 260_000))).toBe(true);
      expect(refreshes()).toBe(expected);
      const downloads = h.emulator.log.filter((e) => e.kind === 'download');
      expect(downloads.every((e) => e.range !== undefined)).toBe(true);
      expect(downloads.at(-1)?.bytesOut).toBeLessThan(200_000);
    },
  );

  it('410 with automatic reupload: the range comes from the new path', async () => {
    const { plain, params, encrypted, stored } = seed(600_000, 'video', 22, true);
    h.emulator.phone.remember({
      msgId: 'M-RANGE',
      mediaKey: encrypted.mediaKey,
      directPath: stored.directPath,
    });
    h.emulator.expireMedia(stored.directPath);
    const bytes = await h.client.downloadRange(params, 10, 50_000, {
      reupload: { msgId: 'M-RANGE', chatJid: CHAT, isFromMe: false },
    });
    expect(equalBytes(bytes, plain.subarray(10, 50_000))).toBe(true);
    expect(downloadStatuses()).toEqual([410, 410, 206]);
  });
});

describe('automatic reupload that the phone refuses', () => {
  it('not found on the phone: reupload-not-found with the result', async () => {
    const { encrypted, stored, params } = seed(5000, 'image', 31);
    h.emulator.expireMedia(stored.directPath);
    const error = await downloadFailure(
      h.client.download(params, {
        reupload: { msgId: 'M-UNKNOWN', chatJid: CHAT, isFromMe: false },
      }),
    );
    expect(error.code).toBe('reupload-not-found');
    expect(error.reupload).toEqual({ status: 'not-found' });
    expect(error.status).toBe(410);
    void encrypted;
  });

  it('decryption error on the phone: reupload-decryption-error', async () => {
    const { stored, params } = seed(5000, 'image', 32);
    h.emulator.phone.remember({
      msgId: 'M-BADKEY',
      mediaKey: testBytes(32, 99),
      directPath: stored.directPath,
    });
    h.emulator.expireMedia(stored.directPath);
    const error = await downloadFailure(
      h.client.download(params, {
        reupload: { msgId: 'M-BADKEY', chatJid: CHAT, isFromMe: false },
      }),
    );
    expect(error.code).toBe('reupload-decryption-error');
    expect(error.reupload).toEqual({ status: 'decryption-error' });
  });
});

describe('parameters', () => {
  it('an encrypted type without mediaKey is missing-media-fields; encrypted: false is explicit', () => {
    const { params } = seed(1000, 'image', 41);
    const { mediaKey: _dropped, ...withoutKey } = params;
    expect(() => h.client.download(withoutKey)).toThrow(
      expect.objectContaining({ code: 'missing-media-fields' }),
    );
    expect(() => h.client.download({ ...withoutKey, encrypted: false })).not.toThrow();
  });
});

describe('download(message) picks the type from the field that is set', () => {
  const fields = (params: ReturnType<typeof seed>['params']) => ({
    directPath: params.directPath,
    mediaKey: params.mediaKey,
    fileSha256: params.fileSha256,
    fileEncSha256: params.fileEncSha256,
    fileLength: BigInt(params.fileLength ?? 0),
  });

  it.each([
    ['audioMessage', 'audio'],
    ['documentMessage', 'document'],
    ['stickerMessage', 'sticker'],
    ['stickerPackMessage', 'sticker-pack'],
  ] as const)('%s → %s', async (field, type) => {
    const { plain, params } = seed(7000, type, 50);
    const message = { [field]: fields(params) } as Message;
    expect(equalBytes(await h.client.download(message), plain)).toBe(true);
    // The same bytes under another type's keys do not verify: the type really was selected.
    const wrong = {
      ...params,
      type: type === 'audio' ? ('document' as const) : ('audio' as const),
    };
    const error = await downloadFailure(h.client.download(wrong));
    expect(['all-hosts-failed', 'media-not-found']).toContain(error.code);
  });

  it('extended-text link thumbnail', async () => {
    const thumbPlain = testBytes(2000, 51);
    const thumb = encryptMedia(thumbPlain, 'link-thumbnail');
    const stored = h.emulator.putMedia(thumb.data, { mmsType: 'thumbnail-link' });
    const message: Message = {
      extendedTextMessage: {
        text: 'https://example.com',
        thumbnailDirectPath: stored.directPath,
        mediaKey: thumb.mediaKey,
        thumbnailSha256: thumb.fileSha256,
        thumbnailEncSha256: thumb.fileEncSha256,
      },
    };
    expect(equalBytes(await h.client.download(message), thumbPlain)).toBe(true);
  });

  it('external blob reference (app state)', async () => {
    const plain = testBytes(3000, 52);
    const encrypted = encryptMedia(plain, 'app-state');
    const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'md-app-state' });
    const bytes = await h.client.downloadExternalBlob({
      directPath: stored.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
      fileSizeBytes: BigInt(plain.length),
    });
    expect(equalBytes(bytes, plain)).toBe(true);
  });
});

void OWN_JID;
