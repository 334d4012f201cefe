// encrypt, decrypt, upload and download never load @wa-media/store (and with it the SQLite
// addon): the built bin runs them with both made unresolvable by a module hook, and `serve`
// under the same hook reports the store as not available (exit 8) instead of crashing.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { skipBuiltBin, useBuiltBin } from './test-support/built-bin.js';

// A resolve hook that refuses the store and its addon, as on a machine where better-sqlite3
// never built. It also records every refusal, so the test knows the hook was in force.
const HOOKS = `
import { appendFileSync } from 'node:fs';
const blocked = new Set(['better-sqlite3', '@wa-media/store']);
export async function resolve(specifier, context, next) {
  if (blocked.has(specifier)) {
    appendFileSync(process.env.BLOCK_LOG, specifier + '\\n');
    throw Object.assign(new Error(specifier + ' is blocked by the test'), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
`;
const REGISTER = `
import { register } from 'node:module';
register(new URL('./block-hooks.mjs', import.meta.url));
`;

describe.skipIf(skipBuiltBin)('the built bin without the store', () => {
  const bin = useBuiltBin('lazy-store.test.ts');
  let emulator: Emulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    await writeFile(join(bin.dir, 'block-hooks.mjs'), HOOKS);
    await writeFile(join(bin.dir, 'block.mjs'), REGISTER);
    await writeFile(join(bin.dir, 'blocked.log'), '');
    env = {
      NODE_OPTIONS: `--import ${join(bin.dir, 'block.mjs')}`,
      BLOCK_LOG: join(bin.dir, 'blocked.log'),
    };
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('encrypts, decrypts, uploads and downloads; serve exits 8 naming the store', async () => {
    const dir = bin.dir;
    const bytes = randomBytes(200_000);
    await writeFile(join(dir, 'in.bin'), bytes);
    const encrypted = await bin.run(
      ['encrypt', '--type', 'image', '--json', join(dir, 'in.bin'), join(dir, 'in.enc')],
      env,
    );
    expect(encrypted.stderr).toBe('');
    expect(encrypted.code).toBe(EXIT_CODES.ok);
    const { mediaKey } = JSON.parse(encrypted.stdout) as { mediaKey: string };
    const decrypted = await bin.run(
      [
        'decrypt',
        '--type',
        'image',
        '--media-key',
        mediaKey,
        join(dir, 'in.enc'),
        join(dir, 'out.bin'),
      ],
      env,
    );
    expect(decrypted.code, decrypted.stderr).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(dir, 'out.bin')), bytes)).toBe(0);

    const control = emulator.control;
    if (control === undefined) throw new Error('the emulator has no control endpoint');
    const connection = ['--emulator', control.url, '--emulator-token', control.token];
    const uploaded = await bin.run(
      ['upload', '--type', 'image', '--json', ...connection, join(dir, 'in.bin')],
      env,
    );
    expect(uploaded.code, uploaded.stderr).toBe(EXIT_CODES.ok);
    await writeFile(join(dir, 'params.json'), uploaded.stdout);
    const downloaded = await bin.run(
      ['download', '--params', join(dir, 'params.json'), ...connection, join(dir, 'copy.bin')],
      env,
    );
    expect(downloaded.code, downloaded.stderr).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(dir, 'copy.bin')), bytes)).toBe(0);
    // None of the four even tried to load the store.
    expect(await readFile(join(dir, 'blocked.log'), 'utf8')).toBe('');

    const served = await bin.run(['serve', '--data-dir', join(dir, 'store'), '--json'], env);
    expect(served.code).toBe(EXIT_CODES.notAvailable);
    expect(JSON.parse(served.stdout)).toMatchObject({
      ok: false,
      error: { kind: 'notAvailable', code: 'store-unavailable' },
    });
    expect(served.stderr).toMatch(/serve needs @wa-media\/store and its SQLite addon/);
    expect(await readFile(join(dir, 'blocked.log'), 'utf8')).toContain('@wa-media/store');
  });
});
