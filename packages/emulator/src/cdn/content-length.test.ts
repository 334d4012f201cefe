// Exact Content-Length (docs/protocol.md §4): a body longer or shorter than declared is refused and
// never stored as an object. Raw sockets, because HTTP clients refuse to send such requests.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../index.js';
import { useCdnEmulator } from '../test-support/cdn-fixture.js';
import {
  encryptForTest,
  json,
  ORIGIN_HEADERS,
  rawExchange,
  rawRequest,
  sha256Token,
  uploadHead,
  uploadUrl,
} from '../test-support/http.js';

const cdn = useCdnEmulator({ media: { uploadIdleTimeoutMs: 300 } });

/** What the resume probe says about `blob`'s token: `complete`, an offset, or 404. */
async function probeState(blob: Uint8Array): Promise<string | number> {
  const res = await rawRequest({
    url: uploadUrl(cdn.host, sha256Token(blob), cdn.auth, { extra: '&resume=1' }),
    method: 'POST',
    headers: ORIGIN_HEADERS,
  });
  return res.status === 200 ? String(json(res).resume) : res.status;
}

describe('exact Content-Length on uploads', () => {
  const { blob } = encryptForTest(randomBytes(4000));

  it('accepts a body of exactly the declared length', async () => {
    const res = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, blob, cdn.auth, blob.length),
      blob,
    );
    expect(res.status).toBe(200);
    expect(typeof res.json?.direct_path).toBe('string');
  });

  it('refuses a body longer than declared (400) and stores nothing, even when the declared part hashes to the token', async () => {
    const extra = randomBytes(48);
    const res = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, blob, cdn.auth, blob.length),
      Buffer.concat([blob, extra]),
    );
    expect(res.status).toBe(400);
    expect(res.json?.error).toBe('body longer than Content-Length');
    expect(await probeState(blob)).toBe(404);
    await cdn.emulator.whenIdle();
    const upload = cdn.emulator.log.find((entry) => entry.kind === 'upload');
    expect(upload).toMatchObject({ status: 400, reason: 'body longer than Content-Length' });
  });

  it('refuses a longer body whose whole length hashes to the token with the same reason', async () => {
    const longer = Buffer.concat([blob, randomBytes(16)]);
    const res = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, longer, cdn.auth, blob.length),
      longer,
    );
    expect(res.status).toBe(400);
    expect(res.json?.error).toBe('body longer than Content-Length');
    expect(await probeState(longer)).toBe(404);
  });

  it('answers 408 to a body that stops short of the declared length, and keeps nothing', async () => {
    const started = performance.now();
    const res = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, blob, cdn.auth, blob.length),
      blob.subarray(0, 1000),
    );
    expect(res.status).toBe(408);
    expect(res.json?.error).toMatch(
      new RegExp(`^body shorter than Content-Length: 1000 of ${blob.length} bytes arrived`),
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(await probeState(blob)).toBe(404);
  }, 10_000);

  it('never stores a short body whose connection ends: the bytes wait for a resume', async () => {
    const res = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, blob, cdn.auth, blob.length),
      blob.subarray(0, 1000),
      { end: true },
    );
    expect(res.status).toBe(400);
    await cdn.emulator.whenIdle();
    expect(await probeState(blob)).toBe('1000');
  });

  it('does not count its own stalls and throttling as the client being idle', async () => {
    cdn.emulator.faults.add({
      on: 'upload',
      times: 1,
      fault: { kind: 'stall', ms: 700, afterBytes: 1 },
    });
    const stalled = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, blob, cdn.auth, blob.length),
      blob,
    );
    expect(stalled.status).toBe(200);
    cdn.emulator.faults.add({
      on: 'upload',
      times: 1,
      fault: { kind: 'throttle', bytesPerSec: 5000 },
    });
    const { blob: other } = encryptForTest(randomBytes(3000));
    const throttled = await rawExchange(
      cdn.host,
      uploadHead(cdn.host, other, cdn.auth, other.length),
      other,
    );
    expect(throttled.status).toBe(200);
  }, 10_000);

  it('refuses uploadIdleTimeoutMs that is not a positive number', async () => {
    const error = await startEmulator({ media: { uploadIdleTimeoutMs: 0 } }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toMatch(/media\.uploadIdleTimeoutMs/);
  });
});
