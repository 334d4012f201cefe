// `wa-media serve --start-emulator`: the store's HTTP API in a child process, fed by `wa-media upload`
// through the in-process emulator it started.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message } from '@wa-media/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { type CliServer, runCli, startCli } from './test-support/run-cli.js';
import { sha256 } from './test-support/sha256.js';
import { registerMedia } from './test-support/store-api.js';

interface ServeInfo {
  url: string;
  token?: string;
  dataDir: string;
  emulator: { hosts: string[]; control: { url: string; token: string } };
}

const TOKEN = 'serve-test-token-0123456789';
let dir: string;
let server: CliServer;
let info: ServeInfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-serve-'));
  server = startCli(['serve', '--json', '--start-emulator', '--data-dir', join(dir, 'store')], {
    WA_MEDIA_STORE_TOKEN: TOKEN,
  });
  info = JSON.parse(await server.firstLine) as ServeInfo;
});
afterAll(async () => {
  await server?.stop('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('wa-media serve --start-emulator', () => {
  it('prints the API URL and the emulator it started, never the token it was given', () => {
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.token).toBeUndefined();
    expect(info.emulator.hosts).toHaveLength(2);
    expect(info.emulator.control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('refuses calls without the token', async () => {
    const response = await fetch(`${info.url}/v1/status`);
    expect(response.status).toBe(401);
  });

  it('stores media uploaded through its emulator and serves the verified bytes', async () => {
    const plaintext = randomBytes(300_000);
    await writeFile(join(dir, 'photo.jpg'), plaintext);
    const control = info.emulator.control;
    const upload = await runCli([
      'upload',
      '--type',
      'image',
      '--json',
      '--emulator',
      control.url,
      '--emulator-token',
      control.token,
      join(dir, 'photo.jpg'),
    ]);
    expect(upload.code, upload.stderr).toBe(0);
    const fields = JSON.parse(upload.stdout);
    const message = Message.fromPartial({
      imageMessage: {
        url: fields.url,
        directPath: fields.directPath,
        mediaKey: Buffer.from(fields.mediaKey, 'base64'),
        fileSha256: Buffer.from(fields.fileSha256, 'base64'),
        fileEncSha256: Buffer.from(fields.fileEncSha256, 'base64'),
        fileLength: BigInt(fields.fileLength),
        mimetype: 'image/jpeg',
      },
    });
    const headers = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
    const id = await registerMedia(info.url, TOKEN, message, '3EB0SERVE0000001');

    let status = '';
    for (let i = 0; i < 100 && status !== 'downloaded'; i++) {
      const response = await fetch(`${info.url}/v1/media/${id}/status`, { headers });
      status = ((await response.json()) as { media_items: { status: string }[] }).media_items[0]!
        .status;
      if (status !== 'downloaded') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('downloaded');
    const bytes = new Uint8Array(
      await (await fetch(`${info.url}/v1/media/${id}`, { headers })).arrayBuffer(),
    );
    expect(sha256(bytes)).toBe(sha256(plaintext));
  });

  it('closes cleanly on SIGTERM (exit 0) and keeps its data', async () => {
    const dataDir = join(dir, 'second');
    const other = startCli(['serve', '--json', '--data-dir', dataDir, '--token', TOKEN]);
    const started = JSON.parse(await other.firstLine) as ServeInfo;
    expect(
      (await fetch(`${started.url}/v1/status`, { headers: { Authorization: `Bearer ${TOKEN}` } }))
        .status,
    ).toBe(200);
    const run = await other.stop('SIGTERM');
    expect(run.code, run.stderr).toBe(0);
    await expect(fetch(`${started.url}/v1/status`)).rejects.toThrow();
    expect(await readdir(dataDir)).toContain('store.db');
  });

  it('refuses a short token with exit 2', async () => {
    const run = await runCli(['serve', '--data-dir', join(dir, 'x'), '--token', 'short']);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/--token must be at least 16 characters/);
    expect(run.stderr).not.toContain('short\n');
  });

  it('refuses a --database that is not a postgres:// URL with exit 2, without echoing it', async () => {
    const run = await runCli([
      'serve',
      '--data-dir',
      join(dir, 'x'),
      '--database',
      'mysql://user:hunter2@db/x',
    ]);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/--database must be a postgres:\/\/ URL/);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('refuses a --keep that is not a duration with exit 2', async () => {
    const run = await runCli(['serve', '--data-dir', join(dir, 'x'), '--keep', 'forever']);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/--keep must be a duration/);
  });
});
