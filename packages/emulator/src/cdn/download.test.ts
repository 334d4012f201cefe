import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../index.js';
import { useCdnEmulator } from '../test-support/cdn-fixture.js';
import { encryptForTest, json, rawRequest, uploadRequest } from '../test-support/http.js';

const DAY = 86_400_000;
const cdn = useCdnEmulator();
let blob: Buffer;
let directPath: string;

beforeEach(async () => {
  blob = encryptForTest(randomBytes(70_000)).blob;
  const res = await rawRequest(uploadRequest(cdn.host, blob, cdn.auth));
  directPath = json(res).direct_path as string;
});

describe('signed direct paths', () => {
  it('answers 403 "bad URL hash" for a tampered oh, oe or path', async () => {
    const tamperedOh = directPath.replace(
      /oh=01_(.)/,
      (_, c: string) => `oh=01_${c === 'A' ? 'B' : 'A'}`,
    );
    const later = (Number.parseInt(/oe=([0-9A-F]+)/.exec(directPath)![1]!, 16) + 1)
      .toString(16)
      .toUpperCase();
    const tamperedOe = directPath.replace(/oe=[0-9A-F]+/, `oe=${later}`);
    const noOh = directPath.replace(/&oh=[^&]+/, '');
    for (const path of [tamperedOh, tamperedOe, noOh]) {
      const res = await rawRequest({ url: `http://${cdn.host}${path}` });
      expect(res.status).toBe(403);
      expect(json(res).error).toBe('bad URL hash');
    }
    await cdn.emulator.whenIdle();
    expect(cdn.emulator.log.at(-1)?.reason).toBe('bad URL hash');
    expect(cdn.emulator.log.at(-1)?.path).not.toMatch(/oh=01_/);
  });

  it('answers 404 for an unknown object', async () => {
    const res = await rawRequest({
      url: `http://${cdn.host}${directPath.replace(/\/(\d)/, '/9$1')}`,
    });
    expect(res.status).toBe(404);
  });
});

describe('Range and HEAD', () => {
  it('serves ranges with 206 and Content-Range', async () => {
    const url = `http://${cdn.host}${directPath}`;
    const cases: [string, number, number][] = [
      ['bytes=0-15', 0, 15],
      ['bytes=1000-', 1000, blob.length - 1],
      ['bytes=-26', blob.length - 26, blob.length - 1],
      [`bytes=5-${blob.length + 100}`, 5, blob.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await rawRequest({ url, headers: { Range: range } });
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/${blob.length}`);
      expect(res.headers['content-length']).toBe(String(end - start + 1));
      expect(Buffer.compare(res.body, blob.subarray(start, end + 1))).toBe(0);
    }
  });

  it('answers 416 for an unsatisfiable range and ignores malformed ones', async () => {
    const url = `http://${cdn.host}${directPath}`;
    const res = await rawRequest({ url, headers: { Range: `bytes=${blob.length}-` } });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${blob.length}`);
    const multi = await rawRequest({ url, headers: { Range: 'bytes=0-1,5-6' } });
    expect(multi.status).toBe(200);
    expect(multi.body.length).toBe(blob.length);
  });

  it('answers HEAD with the exact Content-Length and no body', async () => {
    const res = await rawRequest({ url: `http://${cdn.host}${directPath}`, method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(blob.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.body.length).toBe(0);
  });
});

describe('media expiry', () => {
  it('answers 404 once the media is older than 14 days (emulator clock)', async () => {
    const url = `http://${cdn.host}${directPath}`;
    cdn.emulator.clock.advance(14 * DAY - 60_000);
    expect((await rawRequest({ url })).status).toBe(200);
    cdn.emulator.clock.advance(60_000);
    const res = await rawRequest({ url });
    expect(res.status).toBe(404);
    expect(json(res).error).toBe('media expired');
  });

  it('answers the configured status (410) and honours ttlDays', async () => {
    const other = await startEmulator({
      control: false,
      media: { ttlDays: 1, expiredStatus: 410 },
    });
    try {
      const res = await rawRequest(uploadRequest(other.hostnames[0]!, blob, other.issueAuth()));
      const url = `http://${other.hostnames[1]}${json(res).direct_path}`;
      other.clock.advance(DAY);
      expect((await rawRequest({ url })).status).toBe(410);
    } finally {
      await other.close();
    }
  });

  it('expires one object on request', async () => {
    expect(cdn.emulator.expireMedia(directPath)).toBe(true);
    expect((await rawRequest({ url: `http://${cdn.host}${directPath}` })).status).toBe(404);
  });
});
