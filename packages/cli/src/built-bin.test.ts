// The published executable: dist/bin.js as npm installs it (package.json `bin`, a symlink in a
// `.bin` folder, run through its shebang), not the sources through tsx like the other tests.
// CI builds before testing; locally, without a build, this file is skipped with a notice.
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { binPath, manifest, skipBuiltBin, useBuiltBin } from './test-support/built-bin.js';

describe.skipIf(skipBuiltBin)('the built wa-media bin', () => {
  const bin = useBuiltBin('built-bin.test.ts');
  const run = (args: readonly string[]) => bin.run(args);

  it('is mapped by package.json bin, starts with a node shebang and is published', async () => {
    expect(manifest.bin).toEqual({ 'wa-media': './dist/bin.js' });
    expect((await readFile(binPath, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    expect((await stat(binPath)).isFile()).toBe(true);
  });

  it('prints the package version and the help', async () => {
    const version = await run(['--version']);
    expect(version).toEqual({ code: EXIT_CODES.ok, stdout: `${manifest.version}\n`, stderr: '' });
    const help = await run(['--help']);
    expect(help.code).toBe(EXIT_CODES.ok);
    for (const command of [
      'encrypt',
      'decrypt',
      'upload',
      'download',
      'reupload',
      'serve',
      'demo',
    ]) {
      expect(help.stdout).toContain(command);
    }
  });

  it('round-trips a file through encrypt and decrypt, and fails a wrong key with exit 3', async () => {
    const dir = bin.dir;
    const plain = join(dir, 'in.bin');
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
    await writeFile(plain, bytes);
    const encrypted = await run([
      'encrypt',
      '--type',
      'video',
      '--json',
      plain,
      join(dir, 'in.enc'),
    ]);
    expect(encrypted.code).toBe(EXIT_CODES.ok);
    const info = JSON.parse(encrypted.stdout) as { mediaKey: string; fileSha256: string };
    const decrypted = await run([
      'decrypt',
      '--type',
      'video',
      '--media-key',
      info.mediaKey,
      '--file-sha256',
      info.fileSha256,
      join(dir, 'in.enc'),
      join(dir, 'out.bin'),
    ]);
    expect(decrypted.code).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(dir, 'out.bin')), bytes)).toBe(0);
    const wrongKey = Buffer.alloc(32, 1).toString('base64');
    const refused = await run([
      'decrypt',
      '--type',
      'video',
      '--media-key',
      wrongKey,
      join(dir, 'in.enc'),
      join(dir, 'refused.bin'),
    ]);
    expect(refused.code).toBe(EXIT_CODES.integrity);
    expect(existsSync(join(dir, 'refused.bin'))).toBe(false);
  });
});
