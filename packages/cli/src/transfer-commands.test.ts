// upload / download / reupload against an emulator started by `wa-media emulator` in another
// process: real HTTP on loopback, real exit codes, real files.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMessage, Message } from '@wa-media/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import {
  type CliEmulatorInfo,
  expectDownloadedFile,
  useCliEmulator,
} from './test-support/cli-emulator.js';
import { runCli, startCli } from './test-support/run-cli.js';
import { sha256 } from './test-support/sha256.js';

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

const cli = useCliEmulator('wa-media-cli-transfer-');

describe('wa-media emulator', () => {
  it('prints its hosts and control endpoint as one JSON object', () => {
    expect(cli.info.ok).toBe(true);
    expect(cli.info.hosts.map((host) => host.type)).toEqual(['primary', 'fallback']);
    for (const host of cli.info.hosts) expect(host.hostname).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cli.info.control.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
    expect(cli.info.control.token.length).toBeGreaterThanOrEqual(16);
  });

  it('runs until SIGINT, then closes every port and exits 0', async () => {
    const other = startCli(['emulator', '--json', '--hosts', '1']);
    const started = JSON.parse(await other.firstLine) as CliEmulatorInfo;
    expect(await portOpen(started.hosts[0]!.origin)).toBe(true);
    const run = await other.stop('SIGINT');
    expect(run.code, run.stderr).toBe(0);
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
    ({ upload, paramsFile: uploadFile } = await cli.uploadFile<typeof upload>(
      'clip.mp4',
      plaintext,
      [
        '--type',
        'video',
        '--json',
        '--msg-id',
        '3EB0CLI00000001',
        '--chat-jid',
        '15550002222@s.whatsapp.net',
      ],
      'clip.json',
    ));
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
    const up = await cli.upload(['--type', 'document', '--json'], '-', {
      input: small,
    });
    expect(up.code, up.stderr).toBe(0);
    const down = await cli.download(['--params', '-'], '-', {
      input: up.stdout,
    });
    expect(down.code, down.stderr).toBe(0);
    expect(Buffer.compare(down.stdoutBytes, small)).toBe(0);
  });

  it('download --params gives the same bytes, verified', async () => {
    const out = join(cli.dir, 'clip.copy.mp4');
    const run = await cli.download(['--params', uploadFile, '--json'], out);
    await expectDownloadedFile(run, out, plaintext);
  });

  it('download reads the upload JSON from stdin and writes stdout', async () => {
    const run = await cli.download(['--params', '-'], '-', {
      input: await readFile(uploadFile),
    });
    expect(run.code, run.stderr).toBe(0);
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
    await writeFile(
      join(cli.dir, 'message.bin'),
      encodeMessage(Message.fromPartial({ videoMessage })),
    );
    const fromProto = await cli.download(
      ['--message', join(cli.dir, 'message.bin')],
      join(cli.dir, 'm1.mp4'),
    );
    expect(fromProto.code, fromProto.stderr).toBe(0);
    expect(sha256(await readFile(join(cli.dir, 'm1.mp4')))).toBe(sha256(plaintext));

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
    await writeFile(join(cli.dir, 'message.json'), JSON.stringify(json));
    const fromJson = await cli.download(
      ['--message', join(cli.dir, 'message.json')],
      join(cli.dir, 'm2.mp4'),
    );
    expect(fromJson.code, fromJson.stderr).toBe(0);
    expect(sha256(await readFile(join(cli.dir, 'm2.mp4')))).toBe(sha256(plaintext));
  });

  it('corrupted bytes on every host: exit 3, no file, no temp file', async () => {
    const { run, folder } = await cli.downloadCorrupted(uploadFile, 'x.mp4', 4096);
    expect(run.code).toBe(EXIT_CODES.integrity);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { kind: 'integrity' } });
    expect(await readdir(folder)).toEqual([]);
    expect(run.stderr).not.toContain(String(upload.mediaKey));
  });

  it('SIGINT mid-download cancels it: exit 7, nothing written', async () => {
    const folder = await mkdtemp(join(cli.dir, 'interrupted-'));
    await cli.control('/_faults/bandwidth', { bytesPerSec: 1024 * 1024 });
    try {
      const child = startCli([
        'download',
        '--params',
        uploadFile,
        '--json',
        ...cli.connection,
        join(folder, 'x.mp4'),
      ]);
      // Interrupt once the download is under way (its temp file exists beside the target), not
      // after a fixed delay: on a loaded machine the CLI alone may take seconds to start.
      for (let waited = 0; (await readdir(folder)).length === 0; waited += 50) {
        if (waited > 20_000) throw new Error('the download never started writing');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const run = await child.stop('SIGINT');
      expect(run.code).toBe(EXIT_CODES.interrupted);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { kind: 'interrupted' } });
      expect(await readdir(folder)).toEqual([]);
    } finally {
      await cli.control('/_faults/bandwidth', { bytesPerSec: null });
    }
  });

  it('expired media: exit 5 and nothing written; reupload recovers it', async () => {
    const folder = await mkdtemp(join(cli.dir, 'expired-'));
    const expired = await cli.control('/_media/expire', { directPath: upload.directPath });
    expect(expired.expired).toBe(true);

    const gone = await cli.download(['--params', uploadFile], join(folder, 'x.mp4'));
    expect(gone.code).toBe(EXIT_CODES.notFound);
    expect(gone.stderr).toMatch(/gone|not found|404/i);
    expect(await readdir(folder)).toEqual([]);

    // Automatic: download re-requests it from the (emulated) sender's phone by itself.
    const auto = await cli.download(
      [
        '--params',
        uploadFile,
        '--msg-id',
        '3EB0CLI00000001',
        '--chat-jid',
        '15550002222@s.whatsapp.net',
      ],
      join(folder, 'recovered.mp4'),
    );
    expect(auto.stderr).toBe('');
    expect(auto.code, auto.stderr).toBe(0);
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
      ...cli.connection,
    ]);
    expect(explicit.code, explicit.stderr).toBe(0);
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
      ...cli.connection,
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
      fileURLToPath(new URL('../../../vectors/psr7-task-samples/IMAGE.original', import.meta.url)),
    ]);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/needs a WhatsApp connection: pass --emulator/);
  });

  it('a wrong emulator token: exit 4, said to be the token, and the token is not printed', async () => {
    const wrong = 'wrong-token-0123456789abcdef';
    const run = await runCli([
      'reupload',
      '--json',
      '--msg-id',
      'X',
      '--chat-jid',
      '15550002222@s.whatsapp.net',
      '--media-key',
      Buffer.alloc(32, 1).toString('base64'),
      '--emulator',
      cli.info.control.url,
      '--emulator-token',
      wrong,
    ]);
    expect(run.code).toBe(EXIT_CODES.network);
    expect(run.stderr).toMatch(
      /the emulator at http:\/\/127\.0\.0\.1:\d+ refused the control token/,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { code: 'emulator-token-refused' },
    });
    expect(run.stderr + run.stdout).not.toContain(wrong);
  });

  it('an unreachable emulator: exit 4 (token from the environment)', async () => {
    const run = await runCli(
      ['download', '--params', '-', '--emulator', 'http://127.0.0.1:9', join(cli.dir, 'never')],
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
