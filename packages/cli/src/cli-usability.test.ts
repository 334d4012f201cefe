// What people expect from the command line, each against the real `wa-media` (from its sources,
// in a child process) and a `wa-media emulator`: hex media keys, "did you mean", --progress on a
// pipe (with "waiting for the server" after an upload's last byte), upload --params-out,
// download --url, and a Baileys WebMessageInfo file whose key drives media reupload. (Runs
// without a connection would go to WhatsApp's real hosts, so every download here names the
// emulator.)
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { useCliEmulator } from './test-support/cli-emulator.js';
import { runCli } from './test-support/run-cli.js';
import { sha256 } from './test-support/sha256.js';

const cli = useCliEmulator('wa-media-cli-usability-');

describe('media keys in hex', () => {
  it('takes 64 hex digits as the key, and refuses a wrong-length hex key by name', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(50_000);
    await writeFile(join(cli.dir, 'hex.bin'), plain);
    const encrypted = await runCli([
      'encrypt',
      '--type',
      'image',
      '--json',
      '--media-key',
      key.toString('hex'),
      join(cli.dir, 'hex.bin'),
      join(cli.dir, 'hex.enc'),
    ]);
    expect(encrypted.code, encrypted.stderr).toBe(EXIT_CODES.ok);
    expect(JSON.parse(encrypted.stdout).mediaKey).toBe(key.toString('base64'));
    const decrypted = await runCli([
      'decrypt',
      '--type',
      'image',
      '--media-key',
      key.toString('base64'),
      '--file-sha256',
      Buffer.from(sha256(plain), 'base64').toString('hex'), // as sha256sum prints it
      join(cli.dir, 'hex.enc'),
      join(cli.dir, 'hex.out'),
    ]);
    expect(decrypted.code, decrypted.stderr).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(cli.dir, 'hex.out')), plain)).toBe(0);

    const short = key.toString('hex').slice(0, 62);
    const refused = await runCli([
      'decrypt',
      '--type',
      'image',
      '--media-key',
      short,
      join(cli.dir, 'hex.enc'),
      join(cli.dir, 'never.out'),
    ]);
    expect(refused.code).toBe(EXIT_CODES.usage);
    expect(refused.stderr).toMatch(
      /--media-key must be 32 bytes: 64 hex digits \(this looks like hex, with 62\)/,
    );
    expect(refused.stderr).not.toContain(short);
  });
});

describe('did you mean', () => {
  it('suggests the closest command and flag', async () => {
    const command = await runCli(['dowload', '--params', 'x']);
    expect(command.code).toBe(EXIT_CODES.usage);
    expect(command.stderr).toMatch(/unknown command "dowload"; did you mean download\?/);
    const flag = await runCli(['download', '--parms', 'x.json', 'out']);
    expect(flag.code).toBe(EXIT_CODES.usage);
    expect(flag.stderr).toMatch(/download: unknown flag --parms; did you mean --params\?/);
    const far = await runCli(['encrypt', '--zzzzzz', 'a', 'b']);
    expect(far.stderr).toMatch(/unknown flag --zzzzzz \(see wa-media encrypt --help\)/);
    const serve = await runCli(['serve', '--data-dir', cli.dir, '--emulator']);
    expect(serve.code).toBe(EXIT_CODES.usage);
    expect(serve.stderr).toMatch(/--emulator.*use --start-emulator/);
  });
});

describe('progress', () => {
  it('--progress prints lines on a pipe; --no-progress and the default print none', async () => {
    const plain = randomBytes(3 * 1024 * 1024);
    await writeFile(join(cli.dir, 'big.bin'), plain);
    const args = ['encrypt', '--type', 'video', join(cli.dir, 'big.bin'), join(cli.dir, 'big.enc')];
    const shown = await runCli([...args, '--progress', '--json']);
    expect(shown.code, shown.stderr).toBe(EXIT_CODES.ok);
    expect(shown.stderr).toMatch(/^encrypt +\d+% /m);
    expect(shown.stderr).toMatch(/^encrypt 100% 3\.0 MiB\/3\.0 MiB/m);
    JSON.parse(shown.stdout); // stdout still holds exactly the JSON result
    expect((await runCli(args)).stderr).toBe('');
    expect((await runCli([...args, '--progress', '--no-progress'])).stderr).toBe('');
  });

  it('an upload says it waits for the server once its last byte is sent', async () => {
    await writeFile(join(cli.dir, 'up.bin'), randomBytes(600_000));
    const run = await cli.upload(
      ['--type', 'document', '--json', '--progress'],
      join(cli.dir, 'up.bin'),
    );
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stderr).toMatch(/^upload 100% .*, waiting for the server…$/m);
  });
});

describe('upload --params-out and download', () => {
  it('writes a private params file that download --params reads', async () => {
    const plain = randomBytes(120_000);
    await writeFile(join(cli.dir, 'p.jpg'), plain);
    const paramsFile = join(cli.dir, 'p.params.json');
    const run = await cli.upload(
      ['--type', 'image', '--params-out', paramsFile],
      join(cli.dir, 'p.jpg'),
    );
    expect(run.code, run.stderr).toBe(EXIT_CODES.ok);
    expect(run.stdout).toContain(`download parameters written to ${paramsFile}`);
    expect((await stat(paramsFile)).mode & 0o777).toBe(0o600);
    const params = JSON.parse(await readFile(paramsFile, 'utf8'));
    expect(params).toMatchObject({ type: 'image', fileSha256: sha256(plain) });
    const back = await cli.download(['--params', paramsFile], join(cli.dir, 'p.copy.jpg'));
    expect(back.code, back.stderr).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(cli.dir, 'p.copy.jpg')), plain)).toBe(0);

    // The message's full url works as well, by --url or pasted into --direct-path.
    for (const flag of ['--url', '--direct-path']) {
      const out = join(cli.dir, `p.url${flag}.jpg`);
      const byUrl = await cli.download(
        ['--type', 'image', flag, params.url, '--media-key', params.mediaKey],
        out,
      );
      expect(byUrl.code, byUrl.stderr).toBe(EXIT_CODES.ok);
      expect(Buffer.compare(await readFile(out), plain)).toBe(0);
    }
    const missingFolder = await cli.upload(
      ['--type', 'image', '--params-out', join(cli.dir, 'no-such-dir', 'p.json')],
      join(cli.dir, 'p.jpg'),
    );
    expect(missingFolder.code).toBe(EXIT_CODES.usage);
    expect(missingFolder.stderr).toMatch(/cannot write --params-out/);
  });
});

describe('a Baileys WebMessageInfo file', () => {
  it('reads BufferJSON bytes and a Long fileLength, and its key re-requests expired media', async () => {
    const plain = randomBytes(90_000);
    const msgId = '3EB0WEBMSG0001';
    const chatJid = '15550003333@s.whatsapp.net';
    const { upload } = await cli.uploadFile<Record<string, string | number>>(
      'w.jpg',
      plain,
      ['--type', 'image', '--json', '--msg-id', msgId, '--chat-jid', chatJid],
      'w.params.json',
    );
    // What Baileys writes with JSON.stringify(msg, BufferJSON.replacer).
    const buffer = (base64: unknown) => ({ type: 'Buffer', data: String(base64) });
    const webMessageInfo = {
      key: { remoteJid: chatJid, fromMe: false, id: msgId },
      messageTimestamp: 1_733_000_000,
      message: {
        imageMessage: {
          url: upload.url,
          mimetype: 'image/jpeg',
          directPath: upload.directPath,
          mediaKey: buffer(upload.mediaKey),
          fileSha256: buffer(upload.fileSha256),
          fileEncSha256: buffer(upload.fileEncSha256),
          fileLength: { low: Number(upload.fileLength), high: 0, unsigned: true },
          mediaKeyTimestamp: '1733000000',
        },
      },
    };
    const file = join(cli.dir, 'webmessageinfo.json');
    await writeFile(file, JSON.stringify(webMessageInfo));
    const fresh = await cli.download(['--message', file], join(cli.dir, 'w.copy.jpg'));
    expect(fresh.code, fresh.stderr).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(cli.dir, 'w.copy.jpg')), plain)).toBe(0);

    await cli.control('/_media/expire', { directPath: upload.directPath });
    // No flags: the key in the file says which message to ask the phone about.
    const recovered = await cli.download(['--message', file], join(cli.dir, 'w.recovered.jpg'));
    expect(recovered.code, recovered.stderr).toBe(EXIT_CODES.ok);
    expect(Buffer.compare(await readFile(join(cli.dir, 'w.recovered.jpg')), plain)).toBe(0);
  });
});
