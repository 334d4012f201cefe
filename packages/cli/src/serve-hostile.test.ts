// The real `wa-media serve` against callers that misbehave: a GET with a never-ending chunked
// body whose reader vanishes mid-download (it used to kill the process with
// ERR_HTTP_HEADERS_SENT), then a storm of malformed and half-sent requests. The process stays
// up, answers, and never prints the token it was given.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { Message } from '@wa-media/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliServer, startCli } from './test-support/run-cli.js';
import { registerMedia } from './test-support/store-api.js';

const API_TOKEN = 'serve-hostile-token-0123456789';

/** Sends `text` on a raw socket; resolves once the server closes or `giveUpMs` passed. */
function raw(port: number, text: string, giveUpMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.write(text);
  });
}

describe('wa-media serve against hostile callers', () => {
  let emulator: Emulator;
  let dir: string;
  let server: CliServer;
  let url: string;

  beforeAll(async () => {
    emulator = await startEmulator({ hosts: 1 });
    dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-serve-hostile-'));
    const control = emulator.control!;
    server = startCli(
      [
        'serve',
        '--json',
        '--data-dir',
        join(dir, 'store'),
        '--emulator',
        control.url,
        '--emulator-token',
        control.token,
      ],
      { WA_MEDIA_STORE_TOKEN: API_TOKEN },
    );
    ({ url } = JSON.parse(await server.firstLine) as { url: string });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await emulator?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const call = (path: string) =>
    fetch(`${url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });

  it('survives readers vanishing mid-download with a never-ending chunked GET body, then a request storm', async () => {
    const plaintext = new Uint8Array(randomBytes(6_000_000));
    const encrypted = encryptMedia(plaintext, 'image');
    const stored = emulator.putMedia(encrypted.data, { mmsType: 'image' });
    const message = Message.fromPartial({
      imageMessage: {
        url: stored.url,
        directPath: stored.directPath,
        mimetype: 'image/jpeg',
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
        fileLength: BigInt(encrypted.fileLength),
      },
    });
    const id = await registerMedia(url, API_TOKEN, message, '3EB0SERVEHOSTILE01');
    const until = Date.now() + 20_000;
    for (;;) {
      const record = (await (await call(`/v1/media/${id}/status`)).json()) as {
        media_items: { status: string }[];
      };
      if (record.media_items[0]?.status === 'downloaded') break;
      if (Date.now() > until) throw new Error('the media was not downloaded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const port = Number(new URL(url).port);
    const auth = `Authorization: Bearer ${API_TOKEN}\r\n`;
    for (let round = 0; round < 3; round++) {
      await new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        let received = 0;
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > 100_000) socket.destroy();
        });
        socket.write(
          `GET /v1/media/${id} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
        );
      });
    }
    const storm = [
      'GARBAGE\r\n\r\n',
      'GET /v1/status HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      'POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      'POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc',
      `POST /v1/media HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"m`,
      '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
    ];
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => storm.map((text) => raw(port, text, 500))).flat(),
    );
    expect(replies.filter((reply) => reply.startsWith('HTTP/1.1 4')).length).toBeGreaterThan(10);
    // Still up, still answering.
    expect(server.child.exitCode).toBeNull();
    const status = await call('/v1/status');
    expect(status.status).toBe(200);
    const bytes = await call(`/v1/media/${id}`);
    expect(Buffer.from(await bytes.arrayBuffer()).equals(Buffer.from(plaintext))).toBe(true);
    const stopped = await server.stop('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).not.toMatch(/ERR_HTTP_HEADERS_SENT|Unhandled|uncaught/i);
    // The token came from the environment: it appears in nothing the process printed.
    expect(stopped.stdout).not.toContain(API_TOKEN);
    expect(stopped.stderr).not.toContain(API_TOKEN);
  });
});
