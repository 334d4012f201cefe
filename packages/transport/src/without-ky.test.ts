// ky is an optional peer: the built package must import and serve requests on Node without it.
// A child Node runs the published entry points (dist/) under a resolve hook that makes `ky`
// unresolvable, as on a machine where it was never installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const built = existsSync(join(dist, 'index.js')) && existsSync(join(dist, 'node.js'));
const inCi = !['', '0', 'false'].includes(process.env.CI ?? '');
if (!built && !inCi) console.warn('transport: without-ky test skipped, run `pnpm build` first');

const blockKy = `
export async function resolve(specifier, context, next) {
  if (specifier === 'ky' || specifier.startsWith('ky/')) {
    throw Object.assign(new Error("Cannot find package 'ky'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}
`;
const register = `
import { register } from 'node:module';
register(new URL('./block-ky.mjs', import.meta.url));
`;
const script = (distUrl: string): string => `
import http from 'node:http';
const report = {};
report.kyImport = await import('ky').then(() => 'loaded', (error) => error.code);
const transport = await import(${JSON.stringify(`${distUrl}index.js`)});
const { createNodeHttpClient } = await import(${JSON.stringify(`${distUrl}node.js`)});
const server = http.createServer((req, res) => res.end('hello ' + req.url));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = 'http://127.0.0.1:' + server.address().port + '/media';
const response = await createNodeHttpClient().request({ url });
report.node = { status: response.status, body: await transport.readText(response) };
const response2 = await transport.createFetchClient().request({ url });
report.fetch = await transport.readText(response2);
report.ky = await transport.createKyClient().request({ url }).then(
  () => 'sent',
  (error) => ({ name: error.name, message: error.message }),
);
server.close();
console.log(JSON.stringify(report));
`;

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-media-without-ky-'));
  await writeFile(join(dir, 'block-ky.mjs'), blockKy);
  await writeFile(join(dir, 'register.mjs'), register);
  await writeFile(join(dir, 'main.mjs'), script(pathToFileURL(dist).href));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!built && !inCi)('the built package without ky installed', () => {
  it('imports both entries; node:http and fetch work; createKyClient says what is missing', () => {
    expect(built).toBe(true);
    const child = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'main.mjs')],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout);
    expect(report.kyImport).toBe('ERR_MODULE_NOT_FOUND'); // the hook really hides ky
    expect(report.node).toEqual({ status: 200, body: 'hello /media' });
    expect(report.fetch).toBe('hello /media');
    expect(report.ky.name).toBe('HttpError');
    expect(report.ky.message).toMatch(/optional peer dependency ky \(npm install ky\)/);
  });
});
