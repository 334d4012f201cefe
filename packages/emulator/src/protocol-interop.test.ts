// The emulator against the URL builders and reply parsers of @wa-media/protocol, exactly as the
// client will use them: if these disagree, a client test would fail for the wrong reason.
import { randomBytes } from 'node:crypto';
import { encryptMedia, mediaTypeInfo } from '@wa-media/crypto';
import {
  buildDownloadUrls,
  buildMediaConnIq,
  buildUploadUrl,
  CDN_HEADERS,
  mediaConnHostOrder,
  mediaUploadToken,
  parseMediaConn,
  parseResumeProbe,
  parseUploadReply,
} from '@wa-media/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './index.js';
import { rawRequest } from './test-support/http.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ control: false });
});
afterAll(() => emulator.close());

it('uploads (with a cut and a resume) and downloads through protocol-built URLs', async () => {
  const conn = parseMediaConn(await emulator.signaling().query(buildMediaConnIq()));
  const [host, fallback] = mediaConnHostOrder(conn) as [string, string];
  const plaintext = randomBytes(200_000);
  const encrypted = encryptMedia(plaintext, 'audio');
  const info = mediaTypeInfo('audio');
  const token = mediaUploadToken(encrypted.fileEncSha256);
  const common = {
    host,
    uploadPath: info.uploadPath,
    token,
    auth: conn.auth,
    scheme: 'http' as const,
  };
  const post = (url: string, body: Uint8Array, cutAfter?: number) =>
    rawRequest({
      url,
      method: 'POST',
      headers: {
        ...CDN_HEADERS,
        'Content-Type': 'application/octet-stream',
        'Content-Length': body.length,
      },
      body,
      ...(cutAfter === undefined ? {} : { cutAfter }),
    });

  const total = encrypted.data.length;
  const none = await post(buildUploadUrl({ ...common, resumeProbe: true }), new Uint8Array(0));
  expect(parseResumeProbe(none.status, JSON.parse(none.body.toString()), total)).toEqual({
    kind: 'not-found',
  });

  await post(buildUploadUrl(common), encrypted.data, 64_000);
  await emulator.whenIdle();
  const probe = await post(
    buildUploadUrl({ ...common, host: fallback, resumeProbe: true }),
    new Uint8Array(0),
  );
  const resume = parseResumeProbe(probe.status, JSON.parse(probe.body.toString()), total);
  expect(resume).toEqual({ kind: 'resume', offset: 64_000 });

  const rest = encrypted.data.subarray(64_000);
  const done = await post(buildUploadUrl({ ...common, fileOffset: 64_000 }), rest);
  const reply = parseUploadReply(JSON.parse(done.body.toString()));
  expect(reply.directPath.startsWith('/v/')).toBe(true);

  const urls = buildDownloadUrls({
    hosts: [host, fallback],
    directPath: reply.directPath,
    fileEncSha256: encrypted.fileEncSha256,
    mmsType: info.mmsType,
    scheme: 'http',
  });
  expect(urls).toHaveLength(2);
  for (const url of urls) {
    const res = await rawRequest({ url, headers: { ...CDN_HEADERS } });
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body, Buffer.from(encrypted.data))).toBe(0);
  }
});
