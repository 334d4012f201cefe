// upload / download / reupload against an emulator started by `wa-media emulator` in another
// process: real HTTP on loopback, real exit codes, real files.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, Message } from '@wa-media/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { type CliServer, runCli, startCli } from './test-support/run-cli.js';

interface EmulatorInfo {
  ok: true;
  hosts: { hostname: string; type: string; origin: string }[];
  control: { url: string; token: string };
}

let dir: string;
let emulator: CliServer;
let info: EmulatorInfo;
let connection: string[];

async function control(path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(new URL(path, info.control.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${info.control.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('base64');

function portOpen(origin: string): Promise<boolean> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-transfer-'));
  emulator = startCli(['emulator', '--json', '--hosts', '2']);
  info = JSON.parse(await emulator.firstLine) as EmulatorInfo;
  connection = ['--emulator', info.control.url, '--emulator-token', info.control.token];
});
afterAll(async () => {
  await emulator?.stop('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('wa-media emulator', () => {
  it('prints its hosts and control endpoint as one JSON object', () => {
    expect(info.ok).toBe(true);
    expect(info.hosts.map((host) => host.type)).toEqual(['primary', 'fallback']);
    for (const host of info.hosts) expect(host.hostname).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(info.control.token.length).toBeGreaterThanOrEqual(16);
  });

  it('runs until SIGINT, then closes every port and exits 0', async () => {
    const other = startCli(['emulator', '--json', '--hosts', '1']);
    const started = JSON.parse(await other.firstLine) as EmulatorInfo;
    expect(await portOpen(started.hosts[0]!.origin)).toBe(true);
    const run = await other.stop('SIGINT');
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1); // one JSON object, nothing else
    expect(await portOpen(started.hosts[0]!.origin)).toBe(false);
    expect(await portOpen(started.control.url)).toBe(false);
  });

  it('refuses bad flags with exit 2', async () => {
    const run = await runCli(['emulator', '--hosts', '40']);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/--hosts must be an integer from 1 to 16/);
  });
});

describe('upload and download', () => {
  let plaintext: Buffer;
  let upload: Record<string, string | number>;
  let uploadFile: string;

  beforeAll(async () => {
    plaintext = randomBytes(6 * 1024 * 1024 + 5); // above the 5 MiB resumable threshold
    await writeFile(join(dir, 'clip.mp4'), plaintext);
    const run = await runCli([
      'upload',
      '--type',
      'video',
      '--json',
      '--msg-id',
      '3EB0CLI00000001',
      '--chat-jid',
      '15550002222@s.whatsapp.net',
      ...connection,
      join(dir, 'clip.mp4'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    upload = JSON.parse(run.stdout);
    uploadFile = join(dir, 'clip.json');
    await writeFile(uploadFile, run.stdout);
  });

  it('upload prints what a message needs', () => {
    expect(upload).toMatchObject({
      ok: true,
      type: 'video',
      fileSha256: sha256(plaintext),
      fileLength: plaintext.length,
      msgId: '3EB0CLI00000001',
    });
    expect(String(upload.directPath)).toMatch(/^\/v\/.+\?ccb=/);
    expect(Buffer.from(String(upload.mediaKey), 'base64')).toHaveLength(32);
    expect(typeof upload.streamingSidecar).toBe('string');
  });

  it('upload reads stdin (spooled, then sent) and the bytes come back the same', async () => {
    const small = randomBytes(200_000);
    const up = await runCli(['upload', '--type', 'document', '--json', ...connection, '-'], {
      input: small,
    });
    expect(up.code).toBe(0);
    const down = await runCli(['download', '--params', '-', ...connection, '-'], {
      input: up.stdout,
    });
    expect(down.code).toBe(0);
    expect(Buffer.compare(down.stdoutBytes, small)).toBe(0);
  });

  it('download --params gives the same bytes, verified', async () => {
    const out = join(dir, 'clip.copy.mp4');
    const run = await runCli(['download', '--params', uploadFile, '--json', ...connection, out]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: true,
      fileSha256: sha256(plaintext),
      fileLength: plaintext.length,
    });
    expect(Buffer.compare(await readFile(out), plaintext)).toBe(0);
  });

  it('download reads the upload JSON from stdin and writes stdout', async () => {
    const run = await runCli(['download', '--params', '-', ...connection, '-'], {
      input: await readFile(uploadFile),
    });
    expect(run.code).toBe(0);
    expect(sha256(run.stdoutBytes)).toBe(sha256(plaintext));
  });

  it('download --message takes a protobuf Message and a JSON one', async () => {
    const videoMessage = {
      url: String(upload.url),
      directPath: String(upload.directPath),
      mediaKey: Buffer.from(String(upload.mediaKey), 'base64'),
      fileSha256: Buffer.from(String(upload.fileSha256), 'base64'),
      fileEncSha256: Buffer.from(String(upload.fileEncSha256), 'base64'),
      fileLength: BigInt(upload.fileLength as number),
      mimetype: 'video/mp4',
    };
    await writeFile(join(dir, 'message.bin'), encodeMessage(Message.fromPartial({ videoMessage })));
    const fromProto = await runCli([
      'download',
      '--message',
      join(dir, 'message.bin'),
      ...connection,
      join(dir, 'm1.mp4'),
    ]);
    expect(fromProto.code).toBe(0);
    expect(sha256(await readFile(join(dir, 'm1.mp4')))).toBe(sha256(plaintext));

    // A Baileys-style JSON dump: bytes as {type:'Buffer',data:[…]} or base64 strings.
    const json = {
      message: {
        videoMessage: {
          ...videoMessage,
          mediaKey: { type: 'Buffer', data: [...videoMessage.mediaKey] },
          fileSha256: String(upload.fileSha256),
          fileEncSha256: String(upload.fileEncSha256),
          fileLength: String(upload.fileLength),
        },
      },
    };
    await writeFile(join(dir, 'message.json'), JSON.stringify(json));
    const fromJson = await runCli([
      'download',
      '--message',
      join(dir, 'message.json'),
      ...connection,
      join(dir, 'm2.mp4'),
    ]);
    expect(fromJson.code).toBe(0);
    expect(sha256(await readFile(join(dir, 'm2.mp4')))).toBe(sha256(plaintext));
  });

  it('corrupted bytes on every host: exit 3, no file, no temp file', async () => {
    const folder = await mkdtemp(join(dir, 'corrupt-'));
    await control('/_faults', {
      on: 'download',
      times: 'always',
      fault: { kind: 'flip', offset: 4096 },
    });
    try {
      const run = await runCli([
        'download',
        '--params',
        uploadFile,
        '--json',
        ...connection,
        join(folder, 'x.mp4'),
      ]);
      expect(run.code).toBe(EXIT_CODES.integrity);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { kind: 'integrity' } });
      expect(await readdir(folder)).toEqual([]);
      expect(run.stderr).not.toContain(String(upload.mediaKey));
    } finally {
      await control('/_faults/clear', {});
    }
  });

  it('SIGINT mid-download cancels it: exit 7, nothing written', async () => {
    const folder = await mkdtemp(join(dir, 'interrupted-'));
    await control('/_faults/bandwidth', { bytesPerSec: 1024 * 1024 });
    try {
      const child = startCli([
        'download',
        '--params',
        uploadFile,
        '--json',
        ...connection,
        join(folder, 'x.mp4'),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const run = await child.stop('SIGINT');
      expect(run.code).toBe(EXIT_CODES.interrupted);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { kind: 'interrupted' } });
      expect(await readdir(folder)).toEqual([]);
    } finally {
      await control('/_faults/bandwidth', { bytesPerSec: null });
    }
  });

  it('expired media: exit 5 and nothing written; reupload recovers it', async () => {
    const folder = await mkdtemp(join(dir, 'expired-'));
    const expired = await control('/_media/expire', { directPath: upload.directPath });
    expect(expired.expired).toBe(true);

    const gone = await runCli([
      'download',
      '--params',
      uploadFile,
      ...connection,
      join(folder, 'x.mp4'),
    ]);
    expect(gone.code).toBe(EXIT_CODES.notFound);
    expect(gone.stderr).toMatch(/gone|not found|404/i);
    expect(await readdir(folder)).toEqual([]);

    // Automatic: download re-requests it from the (emulated) sender's phone by itself.
    const auto = await runCli([
      'download',
      '--params',
      uploadFile,
      '--msg-id',
      '3EB0CLI00000001',
      '--chat-jid',
      '15550002222@s.whatsapp.net',
      ...connection,
      join(folder, 'recovered.mp4'),
    ]);
    expect(auto.stderr).toBe('');
    expect(auto.code).toBe(0);
    expect(sha256(await readFile(join(folder, 'recovered.mp4')))).toBe(sha256(plaintext));

    // Explicit: the reupload command prints the new direct path.
    const explicit = await runCli([
      'reupload',
      '--msg-id',
      '3EB0CLI00000001',
      '--chat-jid',
      '15550002222@s.whatsapp.net',
      '--media-key',
      String(upload.mediaKey),
      '--json',
      ...connection,
    ]);
    expect(explicit.code).toBe(0);
    const result = JSON.parse(explicit.stdout);
    expect(result).toMatchObject({ ok: true, status: 'success', msgId: '3EB0CLI00000001' });
    expect(result.directPath).toMatch(/^\/v\//);
    expect(result.directPath).not.toBe(upload.directPath);
  });

  it('reupload of a message the phone does not have: exit 6', async () => {
    const run = await runCli([
      'reupload',
      '--msg-id',
      '3EB0UNKNOWN0001',
      '--chat-jid',
      '15550002222@s.whatsapp.net',
      '--media-key',
      String(upload.mediaKey),
      ...connection,
    ]);
    expect(run.code).toBe(EXIT_CODES.reuploadFailed);
    expect(run.stderr).toMatch(/not-found/);
    expect(run.stderr).not.toContain(String(upload.mediaKey));
  });
});

describe('connection problems', () => {
  it('upload without a connection: exit 2 explaining what is needed', async () => {
    const run = await runCli([
      'upload',
      '--type',
      'image',
      join(process.env.WA_MEDIA_VECTORS ?? '', 'psr7-task-samples/IMAGE.original'),
    ]);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/needs a WhatsApp connection: pass --emulator/);
  });

  it('a wrong emulator token: exit 4, and the token is not printed', async () => {
    const wrong = 'wrong-token-0123456789abcdef';
    const run = await runCli([
      'reupload',
      '--msg-id',
      'X',
      '--chat-jid',
      '15550002222@s.whatsapp.net',
      '--media-key',
      Buffer.alloc(32, 1).toString('base64'),
      '--emulator',
      info.control.url,
      '--emulator-token',
      wrong,
    ]);
    expect(run.code).toBe(EXIT_CODES.network);
    expect(run.stderr).toMatch(/cannot reach the emulator/);
    expect(run.stderr).not.toContain(wrong);
  });

  it('an unreachable emulator: exit 4 (token from the environment)', async () => {
    const run = await runCli(
      ['download', '--params', '-', '--emulator', 'http://127.0.0.1:9', join(dir, 'never')],
      {
        input: JSON.stringify({
          type: 'image',
          directPath: '/v/x?oh=1',
          mediaKey: Buffer.alloc(32).toString('base64'),
        }),
        env: { WA_MEDIA_EMULATOR_TOKEN: 'env-token-0123456789' },
      },
    );
    expect(run.code).toBe(EXIT_CODES.network);
    expect(run.stderr).not.toContain('env-token-0123456789');
  });
});
