// Uploads on the emulated CDN: round trips through download, secrets redacted in the request log,
// and strictness about tokens, lengths and bodies.
import { createHash, randomBytes } from 'node:crypto';
import { decryptMedia, encryptMedia } from '@wa-media/crypto';
import { describe, expect, it } from 'vitest';
import { useCdnEmulator } from '../test-support/cdn-fixture.js';
import {
  encryptForTest,
  json,
  ORIGIN_HEADERS,
  rawRequest,
  sha256Token,
  uploadRequest,
  uploadUrl,
} from '../test-support/http.js';

const cdn = useCdnEmulator();

describe('upload → download round trip', () => {
  it('round-trips media encrypted by @wa-media/crypto, verified after download', async () => {
    const plaintext = randomBytes(123_457);
    const encrypted = encryptMedia(plaintext, 'video');
    const res = await rawRequest(
      uploadRequest(cdn.host, encrypted.data, cdn.auth, { path: '/mms/video' }),
    );
    expect(res.status).toBe(200);
    const directPath = json(res).direct_path as string;
    expect(directPath).toMatch(/^\/v\/t62\.7161-24\//);
    const got = await rawRequest({ url: `http://${cdn.emulator.hostnames[1]}${directPath}` });
    const opened = decryptMedia(got.body, {
      type: 'video',
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
    });
    expect(Buffer.compare(Buffer.from(opened), plaintext)).toBe(0);
  });

  it('stores a blob encrypted with bare node:crypto and serves it byte for byte from every host', async () => {
    const { blob } = encryptForTest(randomBytes(100_000));
    const res = await rawRequest(uploadRequest(cdn.host, blob, cdn.auth));
    expect(res.status).toBe(200);
    const reply = json(res);
    expect(reply.direct_path).toMatch(
      /^\/v\/t62\.7118-24\/\d+_\d+_n\.enc\?ccb=11-4&oh=01_[\w-]+&oe=[0-9A-F]{8}&_nc_sid=5e03e0$/,
    );
    expect(reply.url).toBe(`https://mmg.whatsapp.net${reply.direct_path}`);
    expect(reply.handle).toBeUndefined();
    expect(typeof reply.ts).toBe('number');
    for (const name of cdn.emulator.hostnames) {
      const got = await rawRequest({ url: `http://${name}${reply.direct_path}` });
      expect(got.status).toBe(200);
      expect(got.headers['content-length']).toBe(String(blob.length));
      expect(Buffer.compare(got.body, blob)).toBe(0);
    }
  });

  it('accepts WhatsApp Web download parameters and checks `hash` against the blob', async () => {
    const { blob, fileEncSha256 } = encryptForTest(randomBytes(5000));
    const reply = json(await rawRequest(uploadRequest(cdn.host, blob, cdn.auth)));
    const web = `&hash=${fileEncSha256.toString('base64url')}&mms-type=image&__wa-mms=`;
    const ok = await rawRequest({ url: `http://${cdn.host}${reply.direct_path}${web}` });
    expect(ok.status).toBe(200);
    expect(Buffer.compare(ok.body, blob)).toBe(0);
    const wrongHash = await rawRequest({
      url: `http://${cdn.host}${reply.direct_path}&hash=${sha256Token(Buffer.from('other'))}`,
    });
    expect(wrongHash.status).toBe(404);
  });

  it('gives plaintext (product, newsletter) uploads a handle and a hash of the plaintext as token', async () => {
    const plaintext = randomBytes(3000);
    for (const path of ['/product/image', '/newsletter/newsletter-image']) {
      const res = await rawRequest(uploadRequest(cdn.host, plaintext, cdn.auth, { path }));
      expect(res.status).toBe(200);
      const reply = json(res);
      expect(typeof reply.handle).toBe('string');
      const got = await rawRequest({ url: `http://${cdn.host}${reply.direct_path}` });
      expect(Buffer.compare(got.body, plaintext)).toBe(0);
    }
  });

  it('logs the upload with redacted auth', async () => {
    const { blob } = encryptForTest(randomBytes(1000));
    await rawRequest(uploadRequest(cdn.host, blob, cdn.auth));
    await cdn.emulator.whenIdle();
    const [entry] = cdn.emulator.log;
    expect(entry).toMatchObject({
      kind: 'upload',
      method: 'POST',
      status: 200,
      bytesIn: blob.length,
      host: 0,
    });
    expect(entry?.path).toContain('auth=***');
    expect(JSON.stringify(cdn.emulator.log)).not.toContain(encodeURIComponent(cdn.auth));
  });
});

describe('request log redaction', () => {
  it('logs no auth, token, oh or hash value, and no upload token path segment', async () => {
    const { blob, fileEncSha256 } = encryptForTest(randomBytes(1000));
    const token = sha256Token(blob);
    const probe = await rawRequest({
      url: uploadUrl(cdn.host, token, cdn.auth, { extra: '&resume=1' }),
      method: 'POST',
      headers: ORIGIN_HEADERS,
    });
    expect(probe.status).toBe(404);
    const res = await rawRequest(uploadRequest(cdn.host, blob, cdn.auth));
    const directPath = json(res).direct_path as string;
    const oh = new URL(directPath, 'http://x').searchParams.get('oh')!;
    const web = `&hash=${fileEncSha256.toString('base64url')}&mms-type=image&__wa-mms=`;
    expect((await rawRequest({ url: `http://${cdn.host}${directPath}${web}` })).status).toBe(200);
    await cdn.emulator.whenIdle();
    const paths = cdn.emulator.log.map((entry) => entry.path);
    expect(paths).toEqual([
      '/mms/image/***?auth=***&token=***&resume=1',
      '/mms/image/***?auth=***&token=***',
      `${directPath.split('?')[0]}?ccb=11-4&oh=***&oe=${new URL(directPath, 'http://x').searchParams.get('oe')}&_nc_sid=5e03e0&hash=***&mms-type=image&__wa-mms=`,
    ]);
    const serialized = JSON.stringify(cdn.emulator.log);
    for (const secret of [token, encodeURIComponent(cdn.auth), cdn.auth, oh]) {
      expect(serialized).not.toContain(secret);
    }
  });
});

describe('upload strictness', () => {
  const blob = encryptForTest(Buffer.from('strict')).blob;

  it('refuses a body that does not hash to the token (400)', async () => {
    const req = uploadRequest(cdn.host, blob, cdn.auth);
    const other = encryptForTest(Buffer.from('other')).blob;
    const res = await rawRequest({
      ...req,
      url: uploadUrl(cdn.host, sha256Token(other), cdn.auth),
    });
    expect(res.status).toBe(400);
    expect(json(res).error).toBe('body does not hash to the token');
  });

  it('refuses a token query that differs from the path (400)', async () => {
    const req = uploadRequest(cdn.host, blob, cdn.auth);
    const res = await rawRequest({
      ...req,
      url: req.url.replace(/token=[\w-]+$/, `token=${'A'.repeat(43)}`),
    });
    expect(res.status).toBe(400);
  });

  it('refuses a missing or wrong Origin (403)', async () => {
    const req = uploadRequest(cdn.host, blob, cdn.auth);
    const { Origin: _, ...noOrigin } = req.headers as Record<string, string>;
    expect((await rawRequest({ ...req, headers: noOrigin })).status).toBe(403);
    const wrong = await rawRequest({
      ...req,
      headers: { ...req.headers, Origin: 'https://evil.example' },
    });
    expect(wrong.status).toBe(403);
    expect(json(wrong).error).toBe('bad origin');
  });

  it('refuses a chunked body (411) and an empty one (400)', async () => {
    const req = uploadRequest(cdn.host, blob, cdn.auth);
    const { 'Content-Length': _, ...rest } = req.headers as Record<string, string | number>;
    const chunked = await rawRequest({ ...req, headers: rest, chunked: true });
    expect(chunked.status).toBe(411);
    const { body: _body, ...bodiless } = req;
    // node:http sends `Content-Length: 0` here: an empty upload is refused as such.
    const empty = await rawRequest({ ...bodiless, headers: rest });
    expect(empty.status).toBe(400);
    expect(json(empty).error).toBe('empty body');
  });

  it('refuses a wrong Content-Type (415)', async () => {
    const res = await rawRequest(
      uploadRequest(cdn.host, blob, cdn.auth, { headers: { 'Content-Type': 'image/jpeg' } }),
    );
    expect(res.status).toBe(415);
  });

  it('refuses unknown, unencoded and expired auth tokens (401)', async () => {
    expect((await rawRequest(uploadRequest(cdn.host, blob, 'not-a-token'))).status).toBe(401);
    // `+` left unencoded decodes to a space: the token no longer matches.
    const req = uploadRequest(cdn.host, blob, cdn.auth);
    const raw = req.url.replace(encodeURIComponent(cdn.auth), cdn.auth);
    expect(cdn.auth).toContain('+');
    expect((await rawRequest({ ...req, url: raw })).status).toBe(401);
    cdn.emulator.clock.advance(21_600_000);
    const expired = await rawRequest(uploadRequest(cdn.host, blob, cdn.auth));
    expect(expired.status).toBe(401);
    expect(json(expired).error).toBe('auth expired');
  });

  it('refuses a blob that cannot be encrypted media on an encrypted endpoint (400)', async () => {
    const bogus = randomBytes(100); // (100 - 10) % 16 !== 0
    const res = await rawRequest(uploadRequest(cdn.host, bogus, cdn.auth));
    expect(res.status).toBe(400);
    // …but the same bytes are fine as a plaintext product image.
    expect(
      (await rawRequest(uploadRequest(cdn.host, bogus, cdn.auth, { path: '/product/image' })))
        .status,
    ).toBe(200);
  });

  it('answers 404 for an unknown upload path and 405 for other methods', async () => {
    expect(
      (await rawRequest(uploadRequest(cdn.host, blob, cdn.auth, { path: '/mms/nonsense' }))).status,
    ).toBe(404);
    const put = await rawRequest({ ...uploadRequest(cdn.host, blob, cdn.auth), method: 'PUT' });
    expect(put.status).toBe(405);
  });

  it('stores nothing for a refused upload', async () => {
    await rawRequest(uploadRequest(cdn.host, blob, cdn.auth, { headers: { Origin: 'x' } }));
    const probe = await rawRequest({
      url: uploadUrl(cdn.host, sha256Token(blob), cdn.auth, { extra: '&resume=1' }),
      method: 'POST',
      headers: ORIGIN_HEADERS,
    });
    expect(probe.status).toBe(404);
    expect(createHash('sha256').update(blob).digest('base64url')).toBe(sha256Token(blob));
  });
});
