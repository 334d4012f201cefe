// encrypt / decrypt / help / usage, run as the real command in a child process.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { runCli } from './test-support/run-cli.js';
import { sha256 } from './test-support/sha256.js';

const vectors = fileURLToPath(new URL('../../../vectors/psr7-task-samples/', import.meta.url));
// Known answers from the vectors' README (computed there with node:crypto and Python).
const IMAGE = {
  fileSha256: 'Tl3raHEx8OAc0x0QqzseREj7rBomNiZUSXjCRT+SzAA=',
  fileEncSha256: '5Ww7HUQ+IOG9X+J6SewXSSFrA5xVnXJeWZPOBlkg9IU=',
};

let dir: string;
let imageKey: string;
let imageOriginal: Buffer;
let imageEncrypted: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-test-'));
  imageKey = (await readFile(join(vectors, 'IMAGE.key'))).toString('base64');
  imageOriginal = await readFile(join(vectors, 'IMAGE.original'));
  imageEncrypted = await readFile(join(vectors, 'IMAGE.encrypted'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wa-media decrypt', () => {
  it('decrypts the IMAGE vector to IMAGE.original, checking both hashes', async () => {
    const out = join(dir, 'image.jpg');
    const run = await runCli([
      'decrypt',
      '--type',
      'image',
      '--media-key',
      imageKey,
      '--file-sha256',
      IMAGE.fileSha256,
      '--file-enc-sha256',
      IMAGE.fileEncSha256,
      '--json',
      join(vectors, 'IMAGE.encrypted'),
      out,
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      type: 'image',
      fileSha256: IMAGE.fileSha256,
      fileEncSha256: IMAGE.fileEncSha256,
      fileLength: 54211,
    });
    expect(Buffer.compare(await readFile(out), imageOriginal)).toBe(0);
  });

  it('refuses a flipped byte with exit 3 and writes no file (no temp file either)', async () => {
    const folder = await mkdtemp(join(dir, 'flip-'));
    const corrupted = Buffer.from(imageEncrypted);
    corrupted[20_000]! ^= 0x01;
    await writeFile(join(folder, 'in.enc'), corrupted);
    const run = await runCli([
      'decrypt',
      '-t',
      'image',
      '-k',
      imageKey,
      '--json',
      join(folder, 'in.enc'),
      join(folder, 'out.jpg'),
    ]);
    expect(run.code).toBe(EXIT_CODES.integrity);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'integrity', code: 'mac-mismatch', exitCode: 3 },
    });
    expect(run.stderr).toMatch(/MAC does not match/);
    expect(await readdir(folder)).toEqual(['in.enc']);
  });

  it('refuses a wrong --file-sha256 (sha256-mismatch) and writes nothing', async () => {
    const folder = await mkdtemp(join(dir, 'hash-'));
    const wrong = Buffer.alloc(32, 7).toString('base64');
    const run = await runCli([
      'decrypt',
      '--type',
      'image',
      '--media-key',
      imageKey,
      '--file-sha256',
      wrong,
      join(vectors, 'IMAGE.encrypted'),
      join(folder, 'out.jpg'),
    ]);
    expect(run.code).toBe(EXIT_CODES.integrity);
    expect(run.stderr).toMatch(/does not match fileSha256/);
    expect(await readdir(folder)).toEqual([]);
  });

  it('never prints the media key, even when the key is wrong', async () => {
    const folder = await mkdtemp(join(dir, 'key-'));
    const wrongKey = Buffer.alloc(32, 9).toString('base64');
    const run = await runCli([
      'decrypt',
      '--type',
      'image',
      '--media-key',
      wrongKey,
      '--json',
      join(vectors, 'IMAGE.encrypted'),
      join(folder, 'out.jpg'),
    ]);
    expect(run.code).toBe(EXIT_CODES.integrity);
    expect(run.stdout + run.stderr).not.toContain(wrongKey);
    expect(run.stdout + run.stderr).not.toContain(wrongKey.slice(0, 20));
  });

  it('refuses an OUT that is an existing directory before decrypting (exit 2, clear message)', async () => {
    const folder = await mkdtemp(join(dir, 'outdir-'));
    const target = join(folder, 'existing');
    await mkdir(target);
    for (const command of [
      ['decrypt', '--type', 'image', '--media-key', imageKey],
      ['encrypt', '--type', 'image'],
    ]) {
      const input = join(vectors, command[0] === 'decrypt' ? 'IMAGE.encrypted' : 'IMAGE.original');
      const run = await runCli([...command, '--json', input, target]);
      expect(run.code).toBe(EXIT_CODES.usage);
      expect(JSON.parse(run.stdout)).toMatchObject({
        ok: false,
        error: { kind: 'usage', exitCode: 2 },
      });
      expect(run.stderr).toContain(`cannot write OUT ${target}: it is a directory`);
      expect(run.stderr).not.toMatch(/EISDIR/);
      // Refused before any work: no temp file beside it, nothing inside it.
      expect(await readdir(folder)).toEqual(['existing']);
      expect(await readdir(target)).toEqual([]);
    }
    const download = await runCli([
      'download',
      '--type',
      'image',
      '--direct-path',
      '/v/t62.7118-24/1_2_n.enc?ccb=11-4&oh=x&oe=y',
      '--media-key',
      imageKey,
      target,
    ]);
    expect(download.code).toBe(EXIT_CODES.usage);
    expect(download.stderr).toContain(`cannot write OUT ${target}: it is a directory`);
  });

  it('reads stdin and writes stdout with -, only once verified', async () => {
    const run = await runCli(['decrypt', '--type', 'image', '--media-key', imageKey, '-', '-'], {
      input: imageEncrypted,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(Buffer.compare(run.stdoutBytes, imageOriginal)).toBe(0);

    const corrupted = Buffer.from(imageEncrypted);
    corrupted[corrupted.length - 1]! ^= 0x80; // in the MAC
    const bad = await runCli(['decrypt', '--type', 'image', '--media-key', imageKey, '-', '-'], {
      input: corrupted,
    });
    expect(bad.code).toBe(EXIT_CODES.integrity);
    expect(bad.stdoutBytes.length).toBe(0);
  });
});

describe('wa-media encrypt', () => {
  it('reproduces the IMAGE vector byte for byte with its key', async () => {
    const out = join(dir, 'image.enc');
    const run = await runCli([
      'encrypt',
      '--type',
      'image',
      '--media-key',
      imageKey,
      '--json',
      join(vectors, 'IMAGE.original'),
      out,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({
      ok: true,
      type: 'image',
      mediaKey: imageKey,
      fileSha256: IMAGE.fileSha256,
      fileEncSha256: IMAGE.fileEncSha256,
      fileLength: 54211,
      encryptedLength: 54234,
    });
    expect(Buffer.compare(await readFile(out), imageEncrypted)).toBe(0);
  });

  it('generates a key when none is given, and decrypt gives the file back (round trip)', async () => {
    const input = join(dir, 'round.bin');
    const plaintext = Buffer.alloc(100_003, 0);
    for (let i = 0; i < plaintext.length; i++) plaintext[i] = (i * 7919) & 0xff;
    await writeFile(input, plaintext);
    const encrypted = await runCli([
      'encrypt',
      '--type',
      'audio',
      '--json',
      input,
      join(dir, 'round.enc'),
    ]);
    expect(encrypted.code, encrypted.stderr).toBe(0);
    const info = JSON.parse(encrypted.stdout);
    expect(Buffer.from(info.mediaKey, 'base64')).toHaveLength(32);
    expect(info.fileSha256).toBe(sha256(plaintext));
    expect(info.streamingSidecar).toMatch(/^[A-Za-z0-9+/]+=*$/); // audio gets a sidecar
    expect(info.fileEncSha256).toBe(sha256(await readFile(join(dir, 'round.enc'))));

    const decrypted = await runCli([
      'decrypt',
      '--type',
      'audio',
      '--media-key',
      info.mediaKey,
      '--file-sha256',
      info.fileSha256,
      '--file-enc-sha256',
      info.fileEncSha256,
      join(dir, 'round.enc'),
      join(dir, 'round.out'),
    ]);
    expect(decrypted.code, decrypted.stderr).toBe(0);
    expect(Buffer.compare(await readFile(join(dir, 'round.out')), plaintext)).toBe(0);
    // Human output names what was checked, and never the key.
    expect(decrypted.stdout).toMatch(/decrypted and verified/);
    expect(decrypted.stdout).not.toContain(info.mediaKey);
  });

  it('prints the generated key in human output (that is the result)', async () => {
    const run = await runCli([
      'encrypt',
      '--type',
      'document',
      join(vectors, 'AUDIO.original'),
      join(dir, 'doc.enc'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/mediaKey: +[A-Za-z0-9+/]{43}=/);
  });
});

describe('usage and help', () => {
  it('gives each command a --help that lists its flags', async () => {
    for (const [command, flag] of [
      ['encrypt', '--media-key'],
      ['decrypt', '--file-enc-sha256'],
      ['upload', '--emulator-token'],
      ['download', '--direct-path'],
      ['reupload', '--participant'],
      ['emulator', '--control-port'],
      ['serve', '--webhook-secret'],
      ['demo', '--size'],
    ] as const) {
      const run = await runCli([command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout, command).toContain(`wa-media ${command}`);
      expect(run.stdout, command).toContain(flag);
    }
  });

  it('lists the commands with --help and exits 2 without a command', async () => {
    const help = await runCli(['--help']);
    expect(help.code, help.stderr).toBe(0);
    for (const name of [
      'encrypt',
      'decrypt',
      'upload',
      'download',
      'reupload',
      'emulator',
      'serve',
      'demo',
    ]) {
      expect(help.stdout).toContain(`  ${name}`);
    }
    expect((await runCli([])).code).toBe(EXIT_CODES.usage);
  });

  it('exits 2 with a message naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /unknown command "frobnicate"/],
      [['encrypt', '--type', 'image', 'only-one-arg'], /expected 2 arguments, got 1/],
      [['encrypt', '--colour', 'x', 'a', 'b'], /unknown flag --colour/],
      [['decrypt', '--type', 'image', 'a', 'b'], /--media-key is required/],
      [
        ['decrypt', '--type', 'picture', '--media-key', imageKey, 'a', 'b'],
        /--type must be one of image, video/,
      ],
      [
        ['decrypt', '--type', 'image', '--media-key', 'AAAA', 'a', 'b'],
        /--media-key must be 32 bytes/,
      ],
      [
        ['decrypt', '--type', 'image', '--media-key', 'not base64!', 'a', 'b'],
        /--media-key must be base64/,
      ],
      [['encrypt', '--type', 'image', join(dir, 'missing.bin'), join(dir, 'x')], /cannot read IN/],
      [
        ['encrypt', '--type', 'image', join(vectors, 'IMAGE.original'), join(dir, 'no/such/dir/x')],
        /folder does not exist/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runCli([...args, '--json']);
      expect(run.code, args.join(' ')).toBe(EXIT_CODES.usage);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(JSON.parse(run.stdout), args.join(' ')).toMatchObject({
        ok: false,
        error: { kind: 'usage' },
      });
    }
  });
});
