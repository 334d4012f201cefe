// The `logger` option against the emulator: every transfer event is logged (start, hosts tried,
// retry, failover, media reupload, done / failed with sizes and durations), and no line holds a
// secret: the media key in any text form, the upload auth token, or a direct path's query.
import { encryptMedia } from '@wa-media/crypto';
import { type RecordedLogLine, type RecordingLogger, recordingLogger } from '@wa-media/emulator';
import type { Logger } from '@wa-media/transport';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadFailure,
  equalBytes,
  type Harness,
  seedMedia,
  startHarness,
  testBytes,
} from './test-support/harness.js';

/** The text forms a media key could leak in. */
function keyForms(key: Uint8Array): string[] {
  const buffer = Buffer.from(key);
  return [buffer.toString('base64'), buffer.toString('base64url'), buffer.toString('hex')];
}

/** Every query value of a direct path (all of them are signed and none may be logged). */
function queryValues(directPath: string): string[] {
  return [...new URL(directPath, 'http://x').searchParams.values()].filter((v) => v.length >= 4);
}

function expectNoSecret(lines: readonly RecordedLogLine[], secrets: readonly string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const line of lines) {
    for (const secret of secrets) expect(line.text, `a line leaks ${secret}`).not.toContain(secret);
  }
}

let h: Harness;
let logger: RecordingLogger;

beforeAll(async () => {
  h = await startHarness({ media: { expiredStatus: 410 } });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.emulator.faults.clear();
  logger = recordingLogger();
});

const messages = (): (string | undefined)[] => logger.lines.map((line) => line.msg);

describe('the client logger', () => {
  it('logs an upload and a download with a retry, without the key, token or signed query', async () => {
    const client = h.makeClient({ logger });
    const plain = testBytes(300_000, 7);
    const uploaded = await client.upload(plain, 'image', { id: 'up-1' });
    h.emulator.faults.add({
      on: 'download',
      host: 0,
      times: 1,
      fault: { kind: 'status', status: 503 },
    });
    const bytes = await client.download(uploaded, { id: 'down-1' });
    expect(equalBytes(bytes, plain)).toBe(true);

    const upload = logger.lines.filter((line) => line.obj.transferId === 'up-1');
    expect(upload.map((line) => line.msg)).toContain('transfer started');
    expect(upload.find((line) => line.msg === 'transfer started')?.obj).toMatchObject({
      kind: 'upload',
      mediaType: 'image',
      component: 'wa-media/client',
    });
    expect(upload.find((line) => line.msg === 'cdn request')?.obj.method).toBe('POST');
    const uploadDone = upload.find((line) => line.msg === 'transfer succeeded');
    expect(uploadDone?.level).toBe('info');
    expect(uploadDone?.obj).toMatchObject({ bytes: plain.length });
    expect(typeof uploadDone?.obj.ms).toBe('number');

    const download = logger.lines.filter((line) => line.obj.transferId === 'down-1');
    const retry = download.find((line) => line.msg === 'retry');
    expect(retry?.level).toBe('warn');
    expect(retry?.obj).toMatchObject({ after: 'status 503', host: h.emulator.hostnames[0] });
    expect(download.find((line) => line.msg === 'cdn response')?.obj.status).toBe(503);
    expect(download.find((line) => line.msg === 'transfer succeeded')?.obj).toMatchObject({
      bytes: plain.length,
      hosts: [h.emulator.hostnames[0]],
      requests: 2,
    });
    // A logged URL keeps the parameter names, never their values.
    const url = String(download.find((line) => line.msg === 'retry')?.obj.url);
    expect(url).toMatch(/\?.*oh=REDACTED/);

    const auth = client.mediaConn.peek()?.auth;
    expect(auth).toBeTruthy();
    expectNoSecret(logger.lines, [
      ...keyForms(uploaded.mediaKey!),
      auth!,
      ...queryValues(uploaded.directPath),
      Buffer.from(uploaded.fileEncSha256).toString('base64url'), // the upload token
    ]);
  });

  it('logs a failover to the fallback host and a failure with every host tried', async () => {
    const client = h.makeClient({ logger });
    const { params, plain } = seedMedia(h.emulator, 50_000, { seed: 3 });
    h.emulator.faults.add({ on: 'download', host: 0, times: 'always', fault: { kind: 'reset' } });
    const bytes = await client.download(params, { id: 'failover-1' });
    expect(equalBytes(bytes, plain)).toBe(true);
    const failover = logger.lines.find((line) => line.msg === 'failover');
    expect(failover?.level).toBe('warn');
    expect(failover?.obj).toMatchObject({
      transferId: 'failover-1',
      from: h.emulator.hostnames[0],
      host: h.emulator.hostnames[1],
    });

    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    await downloadFailure(client.download(params, { id: 'failed-1' }));
    const failed = logger.lines.find(
      (line) => line.obj.transferId === 'failed-1' && line.msg === 'transfer failed',
    );
    expect(failed?.level).toBe('error');
    expect(failed?.obj).toMatchObject({
      hosts: h.emulator.hostnames,
      error: { name: 'MediaDownloadError', code: 'all-hosts-failed' },
    });
    expectNoSecret(logger.lines, [...keyForms(params.mediaKey), ...queryValues(params.directPath)]);
  });

  it('logs the media reupload of expired media, and its new path without the query', async () => {
    const client = h.makeClient({ logger });
    const plain = testBytes(40_000, 11);
    const encrypted = encryptMedia(plain, 'image');
    const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'image' });
    h.emulator.phone.remember({
      msgId: '3EB0LOG',
      mediaKey: encrypted.mediaKey,
      directPath: stored.directPath,
    });
    h.emulator.expireMedia(stored.directPath);
    const params = {
      type: 'image' as const,
      directPath: stored.directPath,
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
    };
    const bytes = await client.download(params, {
      reupload: { msgId: '3EB0LOG', chatJid: '15550002222@s.whatsapp.net', isFromMe: false },
    });
    expect(equalBytes(bytes, plain)).toBe(true);
    expect(messages()).toEqual(
      expect.arrayContaining(['media reupload requested', 'media reupload answered']),
    );
    const answered = logger.lines.find((line) => line.msg === 'media reupload answered');
    expect(answered?.obj.status).toBe('success');
    const newPath = String(answered?.obj.directPath);
    expect(newPath.startsWith('/')).toBe(true);
    expect(newPath).not.toBe(stored.directPath);
    const reuploads = h.emulator.phone.requests;
    expect(reuploads.length).toBeGreaterThan(0);
    expectNoSecret(logger.lines, [
      ...keyForms(encrypted.mediaKey),
      ...queryValues(stored.directPath),
    ]);
  });

  it('a logger that throws changes nothing; without a logger nothing is logged', async () => {
    const throwing: Logger = {
      debug: () => {
        throw new Error('broken logger');
      },
      info: () => {
        throw new Error('broken logger');
      },
      warn: () => {
        throw new Error('broken logger');
      },
      error: () => {
        throw new Error('broken logger');
      },
    };
    const { params, plain } = seedMedia(h.emulator, 20_000, { seed: 5 });
    expect(equalBytes(await h.makeClient({ logger: throwing }).download(params), plain)).toBe(true);
    expect(equalBytes(await h.makeClient().download(params), plain)).toBe(true);
    expect(logger.lines).toEqual([]);
  });
});
