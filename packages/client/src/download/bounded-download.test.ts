// Bounded downloads against the emulator's hostile modes: a body past the blob's bound ends the
// transfer with a typed error, in memory (download) and on disk (downloadToFile, no file left).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptedLength } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNodeMediaClient } from '../node.js';
import { downloadFailure, type Harness, seedMedia, startHarness } from '../test-support/harness.js';

let h: Harness;
let dir: string;
beforeAll(async () => {
  h = await startHarness();
  dir = await mkdtemp(join(tmpdir(), 'wa-media-bounded-'));
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => h.emulator.reset());

describe('bounded downloads', () => {
  it('fileLength=100 and an endless body without Content-Length: too-large, nothing buffered past it', async () => {
    const media = seedMedia(h.emulator, 100);
    h.emulator.faults.add({ on: 'download', times: 'always', fault: { kind: 'endless' } });
    const error = await downloadFailure(h.client.download(media.params));
    expect(error.code).toBe('too-large');
    expect(error.message).toContain(`more than the blob can be (${encryptedLength(100)} bytes)`);
  });

  it('downloadToFile of the endless body: too-large, and no file nor temp file left', async () => {
    const media = seedMedia(h.emulator, 100);
    h.emulator.faults.add({ on: 'download', times: 'always', fault: { kind: 'endless' } });
    const client = createNodeMediaClient({
      signaling: h.signaling,
      cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: h.emulator.hostnames },
    });
    const target = join(dir, 'endless.bin');
    const error = await downloadFailure(client.downloadToFile(media.params, target));
    expect(error.code).toBe('too-large');
    expect((await readdir(dir)).filter((name) => name.includes('endless.bin'))).toEqual([]);
  });

  it('no fileLength: the client maxBytes bounds an oversize body', async () => {
    const media = seedMedia(h.emulator, 4096, { fileLength: false });
    h.emulator.faults.add({ on: 'download', times: 'always', fault: { kind: 'oversize' } });
    const client = h.makeClient({ maxBytes: 5000 });
    const error = await downloadFailure(client.download(media.params));
    expect(error.code).toBe('too-large');
    // Without the fault the honest blob (4096 + padding + MAC, under 5000) still comes through.
    h.emulator.faults.clear();
    expect((await client.download(media.params)).length).toBe(4096);
  });

  it('deadlineMs: a host dripping 1 byte every 50 ms fails each try at the deadline', async () => {
    const media = seedMedia(h.emulator, 2048);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'drip', intervalMs: 50 },
    });
    const client = h.makeClient({ deadlineMs: 300, retry: { sameHostRetries: 0 } });
    const error = await downloadFailure(client.download(media.params));
    expect(error.code).toBe('all-hosts-failed');
    expect(error.attempts.length).toBeGreaterThan(0);
    // Without the drip the same client downloads within its deadline.
    h.emulator.faults.clear();
    expect((await client.download(media.params)).length).toBe(2048);
  });

  it('lowSpeed: a 1-byte-per-50 ms drip fails the try under 1 KiB/s over 1 s', async () => {
    const media = seedMedia(h.emulator, 2048);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'drip', intervalMs: 50 },
    });
    const client = h.makeClient({
      lowSpeed: { bytesPerSecond: 1024, seconds: 1 },
      retry: { sameHostRetries: 0 },
    });
    const error = await downloadFailure(client.download(media.params));
    expect(error.code).toBe('all-hosts-failed');
    expect(String(error.attempts.at(-1)?.error)).toMatch(/AbortError|abort/i);
  });
});
