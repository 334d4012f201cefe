// Unencrypted media from the command line: newsletter (channel) uploads with --unencrypted /
// --newsletter and product-catalog-image, against an emulator started by `wa-media emulator` in
// another process (real HTTP on loopback, real exit codes, real files).
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { expectDownloadedFile, useCliEmulator } from './test-support/cli-emulator.js';
import { runCli } from './test-support/run-cli.js';
import { sha256 } from './test-support/sha256.js';

const cli = useCliEmulator('wa-media-cli-unencrypted-');

describe('newsletter media (upload --unencrypted)', () => {
  let plaintext: Buffer;
  let upload: Record<string, unknown>;
  let uploadFile: string;

  beforeAll(async () => {
    plaintext = randomBytes(300_001); // not a multiple of 16: no padding hides in the blob
    ({ upload, paramsFile: uploadFile } = await cli.uploadFile(
      'photo.jpg',
      plaintext,
      ['--type', 'image', '--unencrypted', '--json'],
      'photo.json',
    ));
  });

  it('prints encrypted:false, the handle and the plaintext hash, and no media key', () => {
    expect(upload).toMatchObject({
      ok: true,
      type: 'image',
      encrypted: false,
      fileSha256: sha256(plaintext),
      // The blob is the file: its hash is the plaintext's.
      fileEncSha256: sha256(plaintext),
      fileLength: plaintext.length,
    });
    expect(upload).not.toHaveProperty('mediaKey');
    expect(typeof upload.handle).toBe('string');
    expect(String(upload.handle).length).toBeGreaterThan(0);
    expect(String(upload.directPath)).toMatch(/^\/.+\?/);
  });

  it('download --params gives the same bytes, verified by SHA-256', async () => {
    const out = join(cli.dir, 'photo.copy.jpg');
    const run = await cli.download(['--params', uploadFile, '--json'], out);
    expect(run.stderr).toBe('');
    await expectDownloadedFile(run, out, plaintext);
  });

  it('--newsletter is the same flag: stdin in, stdout out', async () => {
    const clip = randomBytes(120_000);
    const up = await runCli(
      ['upload', '--type', 'video', '--newsletter', '--json', ...cli.connection, '-'],
      { input: clip },
    );
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ encrypted: false, fileSha256: sha256(clip) });
    expect(JSON.parse(up.stdout)).not.toHaveProperty('mediaKey');
    const down = await cli.download(['--params', '-'], '-', {
      input: up.stdout,
    });
    expect(down.code, down.stderr).toBe(0);
    expect(Buffer.compare(down.stdoutBytes, clip)).toBe(0);
  });

  it('the human-readable result shows the handle and says there is no key', async () => {
    const run = await cli.upload(
      ['--type', 'document', '--unencrypted'],
      join(cli.dir, 'photo.jpg'),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/mediaKey: +\(none: not encrypted/);
    expect(run.stdout).toMatch(/handle: +\S+/);
  });

  it('download --direct-path --unencrypted --file-sha256 verifies by that hash', async () => {
    const base = [
      'download',
      '--type',
      'image',
      '--direct-path',
      String(upload.directPath),
      '--unencrypted',
      ...cli.connection,
    ];
    const good = await runCli([
      ...base,
      '--file-sha256',
      sha256(plaintext),
      join(cli.dir, 'by-flags.jpg'),
    ]);
    expect(good.code, good.stderr).toBe(0);
    expect(Buffer.compare(await readFile(join(cli.dir, 'by-flags.jpg')), plaintext)).toBe(0);

    // Another file's hash: every host's bytes fail the check, nothing is written.
    const folder = await mkdtemp(join(cli.dir, 'wrong-hash-'));
    const wrong = await runCli([
      ...base,
      '--file-sha256',
      sha256(Buffer.from('another file')),
      join(folder, 'x.jpg'),
    ]);
    expect(wrong.code).toBe(EXIT_CODES.integrity);
    expect(await readdir(folder)).toEqual([]);

    const missing = await runCli([...base, join(cli.dir, 'never.jpg')]);
    expect(missing.code).toBe(EXIT_CODES.usage);
    expect(missing.stderr).toMatch(/--file-sha256 is required for unencrypted media/);
  });

  it('a flipped byte on every host: exit 3, no file, no temp file', async () => {
    const { run, folder } = await cli.downloadCorrupted(uploadFile, 'x.jpg', 1000);
    expect(run.code).toBe(EXIT_CODES.integrity);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { kind: 'integrity' } });
    expect(await readdir(folder)).toEqual([]);
  });
});

describe('product-catalog-image (always unencrypted)', () => {
  it('uploads without --unencrypted and downloads back the same bytes', async () => {
    const image = randomBytes(50_003);
    await writeFile(join(cli.dir, 'product.jpg'), image);
    const up = await cli.upload(
      ['--type', 'product-catalog-image', '--json'],
      join(cli.dir, 'product.jpg'),
    );
    expect(up.stderr).toBe('');
    expect(up.code, up.stderr).toBe(0);
    const result = JSON.parse(up.stdout);
    expect(result).toMatchObject({
      ok: true,
      type: 'product-catalog-image',
      encrypted: false,
      fileSha256: sha256(image),
      fileLength: image.length,
    });
    expect(result).not.toHaveProperty('mediaKey');
    expect(typeof result.handle).toBe('string');

    const out = join(cli.dir, 'product.copy.jpg');
    const down = await cli.download(['--params', '-'], out, {
      input: up.stdout,
    });
    expect(down.code, down.stderr).toBe(0);
    expect(Buffer.compare(await readFile(out), image)).toBe(0);
  });
});

describe('usage errors (exit 2, nothing uploaded or written)', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('--media-key with --unencrypted is refused, and the key is not printed', async () => {
    for (const flag of ['--unencrypted', '--newsletter']) {
      const run = await cli.upload(
        ['--type', 'image', flag, '--media-key', key, '--json'],
        join(cli.dir, 'photo.jpg'),
      );
      expect(run.code).toBe(EXIT_CODES.usage);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: false,
        error: { kind: 'usage', code: 'unencrypted-with-key' },
      });
      expect(run.stdout + run.stderr).not.toContain(key);
    }
  });

  it('--media-key with product-catalog-image is refused', async () => {
    const run = await cli.upload(
      ['--type', 'product-catalog-image', '--media-key', key],
      join(cli.dir, 'photo.jpg'),
    );
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/never encrypted/);
    expect(run.stderr).not.toContain(key);
  });

  it('--unencrypted on a type without newsletter uploads names the valid types', async () => {
    const run = await cli.upload(
      ['--type', 'history', '--unencrypted'],
      join(cli.dir, 'photo.jpg'),
    );
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/needs --type image, video, audio, document, sticker/);
  });

  it('--msg-id with unencrypted media: the phone cannot re-upload it', async () => {
    const upload = await cli.upload(
      ['--type', 'image', '--newsletter', '--msg-id', '3EB0NEWS0001'],
      join(cli.dir, 'photo.jpg'),
    );
    expect(upload.code).toBe(EXIT_CODES.usage);
    expect(upload.stderr).toMatch(/cannot be re-uploaded/);

    const folder = await mkdtemp(join(cli.dir, 'no-retry-'));
    const download = await runCli(
      [
        'download',
        '--params',
        '-',
        '--msg-id',
        '3EB0NEWS0001',
        '--chat-jid',
        '120363000000000000@newsletter',
        ...cli.connection,
        join(folder, 'x.jpg'),
      ],
      {
        input: JSON.stringify({
          type: 'image',
          encrypted: false,
          directPath: '/o1/v/x?oh=1',
          fileSha256: Buffer.alloc(32).toString('base64'),
        }),
      },
    );
    expect(download.code).toBe(EXIT_CODES.usage);
    expect(download.stderr).toMatch(/cannot be re-uploaded/);
    expect(await readdir(folder)).toEqual([]);
  });

  it('--unencrypted on download only goes with --direct-path', async () => {
    const run = await runCli(
      ['download', '--params', '-', '--unencrypted', ...cli.connection, join(cli.dir, 'never.jpg')],
      { input: '{}' },
    );
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/only go with --direct-path/);
  });

  it('encrypt and decrypt refuse a type that is never encrypted', async () => {
    const folder = await mkdtemp(join(cli.dir, 'crypto-'));
    const encrypt = await runCli([
      'encrypt',
      '--type',
      'product-catalog-image',
      join(cli.dir, 'photo.jpg'),
      join(folder, 'x.enc'),
    ]);
    expect(encrypt.code).toBe(EXIT_CODES.usage);
    expect(encrypt.stderr).toMatch(/never encrypted, so there is nothing to encrypt/);
    const decrypt = await runCli([
      'decrypt',
      '--type',
      'product-catalog-image',
      '--media-key',
      key,
      join(cli.dir, 'photo.jpg'),
      join(folder, 'x.jpg'),
    ]);
    expect(decrypt.code).toBe(EXIT_CODES.usage);
    expect(decrypt.stderr).toMatch(/nothing to decrypt/);
    expect(decrypt.stderr).not.toContain(key);
    expect(await readdir(folder)).toEqual([]);
  });
});
