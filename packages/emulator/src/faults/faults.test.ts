// Fault injection as a client sees it: scripted rules and random faults on real CDN requests.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorMedia, startEmulator } from '../index.js';
import { encryptForTest, json, rawRequest, uploadRequest } from '../test-support/http.js';

let emulator: Emulator;
let blob: Buffer;
let media: EmulatorMedia;
let url0: string;
let url1: string;

beforeAll(async () => {
  emulator = await startEmulator({ control: false });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  blob = encryptForTest(randomBytes(200_000)).blob;
  media = emulator.putMedia(blob);
  [url0, url1] = emulator.downloadUrls(media.directPath) as [string, string];
});

describe('scripted faults', () => {
  it('status: answers the status with Retry-After, once, on the matching host only', async () => {
    emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 503, retryAfterSec: 1 },
    });
    const first = await rawRequest({ url: url0 });
    expect(first.status).toBe(503);
    expect(first.headers['retry-after']).toBe('1');
    expect((await rawRequest({ url: url0 })).status).toBe(200);
    expect((await rawRequest({ url: url1 })).status).toBe(200);
    await emulator.whenIdle();
    expect(emulator.log.map((e) => [e.host, e.status, e.fault])).toEqual([
      [0, 503, 'status'],
      [0, 200, undefined],
      [1, 200, undefined],
    ]);
    expect(emulator.faults.rules[0]).toMatchObject({ seen: 2, applied: 1 });
  });

  it.each([401, 403, 404, 410, 429, 500, 502] as const)(
    'status %i applies to uploads too',
    async (status) => {
      emulator.faults.add({ on: 'upload', fault: { kind: 'status', status } });
      const res = await rawRequest(
        uploadRequest(emulator.hostnames[0]!, blob, emulator.issueAuth()),
      );
      expect(res.status).toBe(status);
    },
  );

  it('nth and times: spares the first request, hits the next two', async () => {
    emulator.faults.add({
      on: 'download',
      nth: 2,
      times: 2,
      fault: { kind: 'status', status: 500 },
    });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await rawRequest({ url: url0 })).status);
    expect(statuses).toEqual([200, 500, 500, 200]);
  });

  it("times: 'always' keeps applying until removed", async () => {
    const id = emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 502 },
    });
    expect((await rawRequest({ url: url0 })).status).toBe(502);
    expect((await rawRequest({ url: url1 })).status).toBe(502);
    expect(emulator.faults.remove(id)).toBe(true);
    expect((await rawRequest({ url: url0 })).status).toBe(200);
  });

  it('reset: cuts the connection after N body bytes (or before any response)', async () => {
    emulator.faults.add({ on: 'download', fault: { kind: 'reset', afterBytes: 1000 } });
    const cut = await rawRequest({ url: url0 });
    expect(cut.status).toBe(200);
    expect(cut.error).toBeDefined();
    expect(cut.body.length).toBeLessThanOrEqual(1000);
    emulator.faults.add({ on: 'download', fault: { kind: 'reset' } });
    const refused = await rawRequest({ url: url0 });
    expect(refused.status).toBe(0);
    expect(refused.error?.code).toBe('ECONNRESET');
    await emulator.whenIdle();
    expect(emulator.log.map((e) => [e.fault, e.bytesOut, e.aborted])).toEqual([
      ['reset', 1000, true],
      ['reset', 0, true],
    ]);
  });

  it('reset on an upload keeps exactly the bytes received, for resumption', async () => {
    const auth = emulator.issueAuth();
    blob = encryptForTest(randomBytes(100_000)).blob;
    emulator.faults.add({ on: 'upload', fault: { kind: 'reset', afterBytes: 70_000 } });
    const res = await rawRequest(uploadRequest(emulator.hostnames[0]!, blob, auth));
    expect(res.error).toBeDefined();
    await emulator.whenIdle();
    const probe = await rawRequest({
      ...uploadRequest(emulator.hostnames[0]!, blob, auth, { extra: '&resume=1' }),
      body: new Uint8Array(0),
      headers: { Origin: 'https://web.whatsapp.com', 'Content-Length': 0 },
    });
    expect(json(probe).resume).toBe('70000');
  });

  it('reset on a probe cuts its JSON reply', async () => {
    emulator.faults.add({ on: 'probe', fault: { kind: 'reset', afterBytes: 3 } });
    const probe = await rawRequest({
      ...uploadRequest(emulator.hostnames[0]!, blob, emulator.issueAuth(), { extra: '&resume=1' }),
      body: new Uint8Array(0),
      headers: { Origin: 'https://web.whatsapp.com', 'Content-Length': 0 },
    });
    expect(probe.error).toBeDefined();
    expect(probe.body.length).toBeLessThanOrEqual(3);
  });

  it('truncate: promises the full Content-Length, sends fewer bytes and ends', async () => {
    emulator.faults.add({ on: 'download', fault: { kind: 'truncate', afterBytes: 5000 } });
    const res = await rawRequest({ url: url0 });
    expect(res.headers['content-length']).toBe(String(blob.length));
    expect(res.body.length).toBe(5000);
    expect(res.error).toBeDefined();
  });

  it('flip: XORs one byte of the body at the offset', async () => {
    emulator.faults.add({ on: 'download', fault: { kind: 'flip', offset: 12_345, mask: 0x80 } });
    const res = await rawRequest({ url: url0 });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(blob.length);
    const diff = [...res.body].flatMap((byte, i) => (byte !== blob[i] ? [i] : []));
    expect(diff).toEqual([12_345]);
    expect(res.body[12_345]).toBe(blob[12_345]! ^ 0x80);
  });

  it('flip on an upload corrupts it in transit: the token check refuses it', async () => {
    emulator.faults.add({ on: 'upload', fault: { kind: 'flip', offset: 3 } });
    const res = await rawRequest(uploadRequest(emulator.hostnames[0]!, blob, emulator.issueAuth()));
    expect(res.status).toBe(400);
  });

  it('stall: sends nothing for N ms before the response, or mid-body', async () => {
    emulator.faults.add({ on: 'download', fault: { kind: 'stall', ms: 300 } });
    let started = performance.now();
    expect((await rawRequest({ url: url0 })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);

    emulator.faults.add({ on: 'download', fault: { kind: 'stall', ms: 300, afterBytes: 100_000 } });
    started = performance.now();
    const res = await rawRequest({ url: url0 });
    expect(Buffer.compare(res.body, blob)).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('throttle: limits one request to the given bytes per second', async () => {
    emulator.faults.add({ on: 'download', fault: { kind: 'throttle', bytesPerSec: 400_000 } });
    const started = performance.now();
    const res = await rawRequest({ url: url0 });
    // 200 KiB at 400 kB/s: about half a second (the first chunk goes out at once).
    expect(performance.now() - started).toBeGreaterThanOrEqual(400);
    expect(Buffer.compare(res.body, blob)).toBe(0);
  });

  it('global bandwidth: holds a transfer mid-way until the limit is lifted', async () => {
    emulator.faults.setBandwidth(50_000);
    const started = performance.now();
    const pending = rawRequest({ url: url0 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.log).toHaveLength(0); // still in flight
    emulator.faults.setBandwidth(null);
    const res = await pending;
    expect(Buffer.compare(res.body, blob)).toBe(0);
    // 200 KB at 50 kB/s would take 4 s; lifting the limit released it.
    expect(performance.now() - started).toBeLessThan(3000);
    await emulator.whenIdle();
    expect(emulator.log[0]?.bytesOut).toBe(blob.length);
  });

  it('global bandwidth also holds uploads mid-body', async () => {
    emulator.reset();
    emulator.faults.setBandwidth(50_000);
    const pending = rawRequest(uploadRequest(emulator.hostnames[0]!, blob, emulator.issueAuth()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emulator.log).toHaveLength(0);
    emulator.faults.setBandwidth(null);
    expect((await pending).status).toBe(200);
    await emulator.whenIdle();
    expect(emulator.log[0]).toMatchObject({ kind: 'upload', bytesIn: blob.length });
  });

  it('refuses malformed rules with a message naming the field', () => {
    expect(() => emulator.faults.add({ fault: { kind: 'status', status: 418 as 500 } })).toThrow(
      /rule\.fault\.status/,
    );
    expect(() => emulator.faults.add({ nth: 0, fault: { kind: 'reset' } })).toThrow(/rule\.nth/);
    expect(() => emulator.faults.random({ seed: 1, rate: 2 })).toThrow(/rate/);
  });
});

describe('random faults', () => {
  async function run(seed: number): Promise<(string | undefined)[]> {
    emulator.reset();
    const stored = emulator.putMedia(blob);
    emulator.faults.random({ seed, rate: 0.5, kinds: ['status', 'flip', 'truncate'] });
    for (let i = 0; i < 12; i++)
      await rawRequest({ url: emulator.downloadUrls(stored.directPath)[0]! });
    await emulator.whenIdle();
    return emulator.log.map((entry) => entry.fault);
  }

  it('are reproducible from the seed', async () => {
    const first = await run(7);
    expect(first.filter(Boolean).length).toBeGreaterThan(0);
    expect(first.filter((f) => f === undefined).length).toBeGreaterThan(0);
    expect(await run(7)).toEqual(first);
    expect(await run(8)).not.toEqual(first);
  });
});
