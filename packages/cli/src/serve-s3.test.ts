// `wa-media serve --blobs s3://…`: the store in a child process keeps the verified bytes in an
// S3-compatible bucket (s3rver, in the test process) and serves them whole and by Range.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message } from '@wa-media/protocol';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { type CliServer, runCli, startCli } from './test-support/run-cli.js';
import { registerMedia } from './test-support/store-api.js';

const TOKEN = 'serve-s3-token-0123456789';
const BUCKET = 'wa-media-cli';
let dir: string;
let s3: S3rver;
let server: CliServer;
let info: { url: string; emulator: { control: { url: string; token: string } } };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-s3-'));
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(dir, 's3'),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3.run();
  server = startCli(
    [
      ...['serve', '--json', '--start-emulator', '--data-dir', join(dir, 'store')],
      ...['--blobs', `s3://${BUCKET}/cli`, '--s3-endpoint', `http://127.0.0.1:${port}`],
      '--s3-path-style',
    ],
    {
      WA_MEDIA_STORE_TOKEN: TOKEN,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    },
  );
  info = JSON.parse(await server.firstLine);
}, 60_000);
afterAll(async () => {
  await server?.stop('SIGTERM');
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

async function uploadToEmulator(plaintext: Buffer): Promise<Message> {
  await writeFile(join(dir, 'photo.jpg'), plaintext);
  const { url, token } = info.emulator.control;
  const upload = await runCli([
    'upload',
    '--type',
    'image',
    '--json',
    '--emulator',
    url,
    '--emulator-token',
    token,
    join(dir, 'photo.jpg'),
  ]);
  expect(upload.code, upload.stderr).toBe(0);
  const fields = JSON.parse(upload.stdout);
  const bytes = (name: string) => Buffer.from(fields[name], 'base64');
  return Message.fromPartial({
    imageMessage: {
      url: fields.url,
      directPath: fields.directPath,
      mediaKey: bytes('mediaKey'),
      fileSha256: bytes('fileSha256'),
      fileEncSha256: bytes('fileEncSha256'),
      fileLength: BigInt(fields.fileLength),
      mimetype: 'image/jpeg',
    },
  });
}

describe('wa-media serve --blobs s3://…', () => {
  it('keeps the verified bytes in the bucket, not the data dir, and serves a Range of them', async () => {
    const plaintext = randomBytes(200_000);
    const id = await registerMedia(
      info.url,
      TOKEN,
      await uploadToEmulator(plaintext),
      '3EB0S3CLI0000001',
    );
    const headers = { Authorization: `Bearer ${TOKEN}` };
    let status = '';
    for (let i = 0; i < 150 && status !== 'downloaded'; i++) {
      const response = await fetch(`${info.url}/v1/media/${id}/status`, { headers });
      status = ((await response.json()) as { media_items: { status: string }[] }).media_items[0]!
        .status;
      if (status !== 'downloaded') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('downloaded');
    expect(await readdir(join(dir, 'store'))).not.toContain('blobs');
    expect(await readdir(join(dir, 's3', BUCKET, 'cli'))).toContain(`${id}._S3rver_object`);
    const part = await fetch(`${info.url}/v1/media/${id}`, {
      headers: { ...headers, Range: 'bytes=10-19' },
    });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(plaintext.subarray(10, 20))).toBe(true);
  });

  it('refuses a --blobs that is not an s3:// URL, and S3 flags without --blobs (exit 2)', async () => {
    const bad = await runCli(['serve', '--data-dir', join(dir, 'x'), '--blobs', 'https://b/x']);
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toMatch(/--blobs must be an s3:\/\/bucket\/prefix URL/);
    const lonely = await runCli(['serve', '--data-dir', join(dir, 'x'), '--s3-path-style']);
    expect(lonely.code).toBe(EXIT_CODES.usage);
    expect(lonely.stderr).toMatch(/need --blobs/);
  });
});
