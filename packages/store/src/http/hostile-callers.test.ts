// Callers that misbehave on purpose (half-sent and malformed requests, readers that vanish,
// too many connections, a sender's header-breaking mimetype): the API answers, refuses or cuts
// them off, and goes on serving everyone else.
import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { encodeMessage, Message } from '@wa-media/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedImage } from '../test-support/media-fixtures.js';
import {
  API_TOKEN,
  eventually,
  type Harness,
  startHarness,
} from '../test-support/store-harness.js';

const auth = `Authorization: Bearer ${API_TOKEN}\r\n`;

/** A raw TCP client: sends `text`, resolves with what came back once the server closes. */
function rawExchange(
  port: number,
  text: string,
  options: { endAfterMs?: number } = {},
): Promise<{ reply: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    let closedByServer = true;
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ reply, closedByServer }));
    socket.write(text);
    if (options.endAfterMs !== undefined) {
      setTimeout(() => {
        closedByServer = false;
        socket.destroy();
      }, options.endAfterMs);
    }
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function openFdCount(): Promise<number> {
  return readdir('/proc/self/fd').then((names) => names.length);
}

describe('HTTP API against hostile callers', () => {
  let h: Harness;
  let api: { url: string; close(): Promise<void> };
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const status = () =>
    fetch(`${api.url}/v1/status`, { headers: { authorization: `Bearer ${API_TOKEN}` } });

  beforeEach(async () => {
    rejections.length = 0;
    process.on('unhandledRejection', onRejection);
    h = await startHarness();
    api = await h.store.listen({
      token: API_TOKEN,
      headersTimeoutMs: 400,
      requestTimeoutMs: 800,
      idleTimeoutMs: 1500,
      maxConnections: 24,
    });
  });
  afterEach(async () => {
    process.off('unhandledRejection', onRejection);
    await api.close();
    await h.close();
  });

  async function downloaded(size: number, mimetype?: string): Promise<string> {
    const media = seedImage(h.emulator, { size });
    const message =
      mimetype === undefined
        ? media.message
        : Message.fromPartial({ imageMessage: { ...media.message.imageMessage, mimetype } });
    const { id } = await h.store.register(message, {
      msgId: media.msgId,
      chatJid: media.chatJid,
      isFromMe: false,
    });
    await eventually(async () =>
      (await h.store.get(id))?.status === 'downloaded' ? true : undefined,
    );
    return id;
  }

  it('a GET with a never-ending chunked body whose reader vanishes mid-download: no crash, still serving', async () => {
    const id = await downloaded(6_000_000);
    const port = portOf(api.url);
    for (let round = 0; round < 3; round++) {
      await new Promise<void>((resolve) => {
        const socket: Socket = connect(port, '127.0.0.1');
        let received = 0;
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        socket.write(
          `GET /v1/media/${id} HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
        );
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // Some of the file is on its way: go away without reading the rest.
          if (received > 100_000) socket.destroy();
        });
      });
    }
    const answer = await status();
    expect(answer.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rejections).toEqual([]);
  });

  it('a storm of malformed, oversized and half-sent requests: each refused or cut off, then it answers', async () => {
    const port = portOf(api.url);
    const exchanges: Promise<{ reply: string; closedByServer: boolean }>[] = [
      rawExchange(port, 'GARBAGE\r\n\r\n'),
      rawExchange(port, 'GET / HTTP/9.9\r\n\r\n'),
      rawExchange(port, 'GET /v1/status HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
      rawExchange(
        port,
        `GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      ),
      rawExchange(port, 'GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'),
      rawExchange(
        port,
        'POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      ),
      rawExchange(port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'),
      // Half-sent: the request line only, a header cut short, nothing at all.
      rawExchange(port, 'GET /v1/status HTTP/1.1\r\n'),
      rawExchange(port, `GET /v1/status HTTP/1.1\r\nHost: x\r\n${auth.slice(0, 20)}`),
      rawExchange(port, ''),
      // A body promised and never sent, chunked and by length, with and without the token.
      rawExchange(
        port,
        `POST /v1/media HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"mess`,
      ),
      rawExchange(
        port,
        `POST /v1/media HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"m\r\n`,
      ),
      rawExchange(
        port,
        'POST /v1/media HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\nabc',
      ),
      rawExchange(port, `GET /v1/media/${'%'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, {
        endAfterMs: 1000,
      }),
      rawExchange(port, `DELETE /v1/media/%E0%A4%A HTTP/1.1\r\nHost: x\r\n${auth}\r\n`, {
        endAfterMs: 1000,
      }),
    ];
    // And the same half-sent ones again and again, vanishing mid-way.
    for (let i = 0; i < 40; i++) {
      exchanges.push(
        rawExchange(
          port,
          `POST /v1/media HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 50\r\n\r\n{`,
          {
            endAfterMs: 20 + (i % 5) * 10,
          },
        ),
      );
    }
    const results = await Promise.all(exchanges);
    // The first fourteen: every one ends with an HTTP status line or a closed connection, never
    // a hang (the two slow-path ones are answered 404/400 before the test gives up).
    for (const [index, result] of results.slice(0, 13).entries()) {
      expect(result.closedByServer, `exchange ${index}`).toBe(true);
      if (result.reply !== '')
        expect(result.reply, `exchange ${index}`).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    expect(results[0]!.reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(results[3]!.reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(results[13]!.reply).toMatch(/^HTTP\/1\.1 404 /);
    expect(results[14]!.reply).toMatch(/^HTTP\/1\.1 404 /);
    const answer = await status();
    expect(answer.status).toBe(200);
    expect(rejections).toEqual([]);
  });

  it('connections beyond maxConnections are closed at once; once the idle ones time out, it answers', async () => {
    const port = portOf(api.url);
    const idleClosed: Promise<unknown>[] = [];
    for (let i = 0; i < 24; i++) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.resume();
      idleClosed.push(new Promise((resolve) => socket.once('close', resolve)));
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write('GET /v1/status HTTP/1.1\r\n');
    }
    const refused = await rawExchange(port, `GET /v1/status HTTP/1.1\r\nHost: x\r\n${auth}\r\n`);
    expect(refused.reply).toBe('');
    expect(refused.closedByServer).toBe(true);
    // The half-sent ones are cut off by headersTimeoutMs, freeing their slots.
    await Promise.all(idleClosed);
    const answer = await status();
    expect(answer.status).toBe(200);
  });

  it('a sender mimetype with CR/LF is never stored; 200 GETs answer 200 and leak no descriptor', async () => {
    const id = await downloaded(2000, 'image/jpeg\r\n; x=y');
    expect((await h.store.get(id))?.mimeType).toBe('image/jpeg');
    const get = () =>
      fetch(`${api.url}/v1/media/${id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const first = await get();
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    await first.arrayBuffer();
    const before = await openFdCount();
    for (let i = 0; i < 200; i++) {
      const answer = await get();
      expect(answer.status).toBe(200);
      await answer.arrayBuffer();
    }
    // Keep-alive sockets and timers may come and go; 200 leaked files would not.
    expect((await openFdCount()) - before).toBeLessThan(20);
  });

  it('refuses chatJid and participant longer than 128 characters', async () => {
    const media = seedImage(h.emulator);
    const long = `${'1'.repeat(130)}@s.whatsapp.net`;
    const post = (fields: Record<string, unknown>) =>
      fetch(`${api.url}/v1/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          message: Buffer.from(encodeMessage(media.message)).toString('base64'),
          msgId: media.msgId,
          chatJid: media.chatJid,
          isFromMe: false,
          ...fields,
        }),
      });
    const chat = await post({ chatJid: long });
    expect(chat.status).toBe(400);
    expect(JSON.stringify(await chat.json())).toContain('chatJid');
    const participant = await post({ participant: long });
    expect(participant.status).toBe(400);
    expect(JSON.stringify(await participant.json())).toContain('participant');
  });
});
