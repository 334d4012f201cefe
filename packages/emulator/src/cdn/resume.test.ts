import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useCdnEmulator } from '../test-support/cdn-fixture.js';
import {
  encryptForTest,
  json,
  ORIGIN_HEADERS,
  type RawResponse,
  rawRequest,
  sha256Token,
  uploadRequest,
  uploadUrl,
} from '../test-support/http.js';

const cdn = useCdnEmulator();

function probe(blob: Uint8Array, hostname = cdn.host): Promise<RawResponse> {
  return rawRequest({
    url: uploadUrl(hostname, sha256Token(blob), cdn.auth, { extra: '&resume=1' }),
    method: 'POST',
    headers: ORIGIN_HEADERS,
  });
}

describe('resumable upload', () => {
  it('answers the probe with 404 when nothing is known', async () => {
    const res = await probe(encryptForTest(Buffer.from('nothing')).blob);
    expect(res.status).toBe(404);
  });

  it('keeps the bytes of a cut upload and completes it with file_offset, moving only the rest', async () => {
    const { blob } = encryptForTest(randomBytes(300_000));
    const cut = 120_000;
    const first = await rawRequest({ ...uploadRequest(cdn.host, blob, cdn.auth), cutAfter: cut });
    expect(first.error).toBeDefined();
    await cdn.emulator.whenIdle();

    const offsetProbe = await probe(blob, cdn.emulator.hostnames[1]);
    expect(offsetProbe.status).toBe(200);
    const { resume } = json(offsetProbe);
    expect(resume).toBe(String(cut));

    const rest = blob.subarray(cut);
    const second = await rawRequest({
      ...uploadRequest(cdn.host, blob, cdn.auth, { extra: `&file_offset=${cut}` }),
      headers: {
        ...ORIGIN_HEADERS,
        'Content-Type': 'application/octet-stream',
        'Content-Length': rest.length,
      },
      body: rest,
    });
    expect(second.status).toBe(200);
    const reply = json(second);
    const got = await rawRequest({ url: `http://${cdn.host}${reply.direct_path}` });
    expect(Buffer.compare(got.body, blob)).toBe(0);

    const complete = await probe(blob);
    expect(json(complete)).toEqual({
      resume: 'complete',
      url: reply.url,
      direct_path: reply.direct_path,
      ts: expect.any(Number),
    });

    await cdn.emulator.whenIdle();
    const uploads = cdn.emulator.log.filter((entry) => entry.kind === 'upload');
    expect(uploads.map((entry) => entry.bytesIn)).toEqual([cut, blob.length - cut]);
    expect(uploads[0]).toMatchObject({ status: 0, aborted: true });
    expect(
      cdn.emulator.log.filter((entry) => entry.kind === 'probe').map((e) => e.bytesIn),
    ).toEqual([0, 0]);
  });

  it('refuses a file_offset that differs from the kept length (400) and keeps the bytes', async () => {
    const { blob } = encryptForTest(randomBytes(50_000));
    await rawRequest({ ...uploadRequest(cdn.host, blob, cdn.auth), cutAfter: 20_000 });
    await cdn.emulator.whenIdle();
    for (const offset of ['19999', '20001', 'abc']) {
      const rest = blob.subarray(20_000);
      const res = await rawRequest({
        ...uploadRequest(cdn.host, blob, cdn.auth, { extra: `&file_offset=${offset}` }),
        headers: {
          ...ORIGIN_HEADERS,
          'Content-Type': 'application/octet-stream',
          'Content-Length': rest.length,
        },
        body: rest,
      });
      expect(res.status).toBe(400);
    }
    expect(json(await probe(blob)).resume).toBe('20000');
  });

  it('refuses a completion whose whole blob does not hash to the token (400)', async () => {
    const { blob } = encryptForTest(randomBytes(40_000));
    await rawRequest({ ...uploadRequest(cdn.host, blob, cdn.auth), cutAfter: 10_000 });
    await cdn.emulator.whenIdle();
    const wrongRest = randomBytes(blob.length - 10_000);
    const res = await rawRequest({
      ...uploadRequest(cdn.host, blob, cdn.auth, { extra: '&file_offset=10000' }),
      headers: {
        ...ORIGIN_HEADERS,
        'Content-Type': 'application/octet-stream',
        'Content-Length': wrongRest.length,
      },
      body: wrongRest,
    });
    expect(res.status).toBe(400);
    expect((await probe(blob)).status).toBe(404);
  });

  it('refuses a probe with a body (400)', async () => {
    const { blob } = encryptForTest(randomBytes(100));
    const res = await rawRequest({
      ...uploadRequest(cdn.host, blob, cdn.auth, { extra: '&resume=1' }),
    });
    expect(res.status).toBe(400);
  });

  it('refuses a request without Content-Length or chunking (411), over a raw socket', async () => {
    const { blob } = encryptForTest(randomBytes(100));
    const url = new URL(uploadUrl(cdn.host, sha256Token(blob), cdn.auth));
    const head = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(url.port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(
        `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nOrigin: https://web.whatsapp.com\r\n` +
          'Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n',
      );
    });
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 411 Length Required');
  });
});
