// The published executable: dist/bin.js as npm installs it (package.json `bin`, a symlink in a
// `.bin` folder, run through its shebang), not the sources through tsx like the other tests.
// CI builds before testing; locally, without a build, this file is skipped with a notice.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { packageDir } from './test-support/run-cli.js';

interface PackageJson {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

const manifest = JSON.parse(
  await readFile(join(packageDir, 'package.json'), 'utf8'),
) as PackageJson;
const binPath = resolve(packageDir, manifest.bin['wa-media'] ?? 'missing');
// The built bin imports the other packages' builds, so those must exist too.
const needed = [
  binPath,
  ...Object.keys(manifest.dependencies).map((name) =>
    join(packageDir, 'node_modules', name, 'dist', 'index.js'),
  ),
];
const missing = needed.filter((path) => !existsSync(path));
const built = missing.length === 0;
const inCi = !['', '0', 'false'].includes(process.env.CI ?? '');
if (!built && !inCi) {
  console.warn(
    `built-bin.test.ts skipped: run \`pnpm build\` first (missing ${missing.join(', ')})`,
  );
}

let dir: string;
let binDir: string;

function run(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    // Like a shell: `wa-media` is looked up on PATH and started by its shebang.
    const child = spawn('wa-media', args, {
      env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

describe.skipIf(!built && !inCi)('the built wa-media bin', () => {
  beforeAll(async () => {
    // In CI a missing build is a failure, not a skip.
    expect(missing).toEqual([]);
    dir = await mkdtemp(join(tmpdir(), 'wa-media-bin-test-'));
    binDir = join(dir, '.bin');
    await mkdir(binDir);
    // npm and pnpm make the bin target executable and link it from a .bin folder on install.
    await chmod(binPath, 0o755);
    await symlink(binPath, join(binDir, 'wa-media'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

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
