// The example against the emulator: raw base64 fields of an encrypted image on the CDN download
// to a file holding exactly the plaintext; a wrong plaintext hash fails the download and leaves
// no file (nor temp file); a key of the wrong size is refused by name before any request.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isClientArgumentError, isMediaDownloadError } from '@wa-media/client';
import { encryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type RawMediaParams } from './download-by-params.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('examples/download-by-params', () => {
  let emulator: Emulator;
  let dir: string;
  let params: RawMediaParams;
  const photo = new Uint8Array(randomBytes(300_000));

  beforeAll(async () => {
    emulator = await startEmulator();
    dir = mkdtempSync(join(tmpdir(), 'wa-media-example-'));
    const encrypted = encryptMedia(photo, 'image');
    const { directPath } = emulator.putMedia(encrypted.data, { mmsType: 'image' });
    params = {
      type: 'image',
      directPath,
      mediaKey: b64(encrypted.mediaKey),
      fileEncSha256: b64(encrypted.fileEncSha256),
      fileSha256: b64(encrypted.fileSha256),
      fileLength: encrypted.fileLength,
    };
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const endpoint = () => emulator.control as { url: string; token: string };

  it('downloads raw base64 params to a file holding the plaintext', async () => {
    const outPath = join(dir, 'photo.jpg');
    const { bytes } = await main({ emulator: endpoint(), params, outPath });
    expect(bytes).toBe(photo.length);
    expect(readFileSync(outPath).equals(Buffer.from(photo))).toBe(true);
  });

  it('fails on a wrong fileSha256 and leaves nothing in the folder', async () => {
    const wrong = { ...params, fileSha256: b64(new Uint8Array(32)) };
    const folder = mkdtempSync(join(dir, 'wrong-'));
    const outPath = join(folder, 'photo.jpg');
    const failure = await main({ emulator: endpoint(), params: wrong, outPath }).catch((e) => e);
    expect(isMediaDownloadError(failure)).toBe(true);
    expect(existsSync(outPath)).toBe(false);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses a media key that is not 32 bytes, naming the field', async () => {
    const short = { ...params, mediaKey: b64(new Uint8Array(16)) };
    const failure = await main({
      emulator: endpoint(),
      params: short,
      outPath: join(dir, 'x'),
    }).catch((e) => e);
    expect(isClientArgumentError(failure)).toBe(true);
    expect(failure.parameter).toBe('mediaKey');
  });
});
