// The store's HTTP API over a real socket: routes, auth, errors and bodies.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerBody, seedImage } from '../test-support/media-fixtures.js';
import {
  API_TOKEN,
  eventually,
  type Harness,
  startHarness,
  WEBHOOK_SECRET,
} from '../test-support/store-harness.js';
import { verifyWebhookSignature } from '../webhooks/signature.js';

const meta = { api_status: 'stable', version: '1.0.0.0' };

describe('HTTP API', () => {
  let h: Harness;
  let api: { url: string; close(): Promise<void> };
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const { token = API_TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    return fetch(`${api.url}${path}`, { ...rest, headers });
  };
  const register = (
    body: unknown,
    headers: Record<string, string> = { 'content-type': 'application/json' },
  ) =>
    call('/v1/media', {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeEach(async () => {
    h = await startHarness();
    api = await h.store.listen({ token: API_TOKEN });
  });
  afterEach(async () => {
    await api.close();
    await h.close();
  });

  it('register, status, retrieve (streamed, with its content type), retry and delete', async () => {
    const media = seedImage(h.emulator);
    const created = await register(registerBody(media));
    expect(created.status).toBe(201);
    const { media_items, meta: answerMeta } = (await created.json()) as {
      media_items: { id: string }[];
      meta: unknown;
    };
    expect(answerMeta).toEqual(meta);
    const id = media_items[0]!.id;

    const again = await register(registerBody(media));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ media_items: [{ id }], meta });

    await h.receiver.waitFor(1);
    const status = await call(`/v1/media/${id}/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({
      media_items: [
        expect.objectContaining({
          id,
          status: 'downloaded',
          type: 'image',
          mime_type: 'image/jpeg',
          size: media.plaintext.length,
          msg_id: media.msgId,
          is_from_me: false,
        }),
      ],
      meta,
    });

    const bytes = await call(`/v1/media/${id}`);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toBe('image/jpeg');
    expect(bytes.headers.get('content-length')).toBe(String(media.plaintext.length));
    expect(bytes.headers.get('x-wa-media-sha256')).toBe(
      Buffer.from(media.fileSha256).toString('hex'),
    );
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(media.plaintext);

    // The retry-download endpoint on stored media answers at once and re-sends the completion webhook.
    const retry = await call(`/v1/media/${id}/download`);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ media_items: [{ id }], meta });
    await h.receiver.waitFor(2);

    const storeStatus = (await (await call('/v1/status')).json()) as {
      status: { media: { downloaded: number }; queue: unknown };
    };
    expect(storeStatus.status.media.downloaded).toBe(1);
    expect(storeStatus.status.queue).toEqual({ pending: 0, due: 0, running: 0 });

    const list = (await (await call('/v1/media')).json()) as { media_items: { id: string }[] };
    expect(list.media_items.map((item) => item.id)).toEqual([id]);

    const deleted = await call(`/v1/media/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ meta });
    const gone = await call(`/v1/media/${id}`);
    expect(gone.status).toBe(404);
  });

  it('failure → webhook error → GET /v1/media/{id}/download → stored → webhook, all over HTTP', async () => {
    // Expired on the CDN and unknown to the sender's phone: the first try must fail for good.
    const media = seedImage(h.emulator, { remember: false });
    h.emulator.expireMedia(media.directPath);
    const created = await register(registerBody(media));
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { media_items: { id: string }[] }).media_items[0]!.id;

    const [failed] = await h.receiver.waitFor(1);
    expect(verifyWebhookSignature(failed!.rawBody, failed!.headers, WEBHOOK_SECRET)).toBe(true);
    expect(failed!.body).toEqual({
      media_items: [
        {
          errors: [
            {
              code: 400,
              title: 'Parameter not valid',
              details: expect.stringMatching(/^Media not found in the datastore\. /),
            },
          ],
          image: {
            id,
            mime_type: 'image/jpeg',
            sha256: Buffer.from(media.fileSha256).toString('hex'),
            status: 'failed',
          },
          type: 'image',
        },
      ],
    });
    const failedStatus = (await (await call(`/v1/media/${id}/status`)).json()) as {
      media_items: { status: string; errors: { code: number }[] }[];
    };
    expect(failedStatus.media_items[0]).toMatchObject({
      status: 'failed',
      errors: [{ code: 400 }],
    });
    const notReady = await call(`/v1/media/${id}`);
    expect(notReady.status).toBe(409);
    expect(((await notReady.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1011);

    // The phone has the media again; the retry-download endpoint asks to store it.
    h.emulator.phone.remember({
      msgId: media.msgId,
      mediaKey: media.mediaKey,
      directPath: media.directPath,
      chatJid: media.chatJid,
    });
    const retry = await call(`/v1/media/${id}/download`);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ media_items: [{ id }], meta });

    const hooks = await h.receiver.waitFor(2);
    expect(verifyWebhookSignature(hooks[1]!.rawBody, hooks[1]!.headers, WEBHOOK_SECRET)).toBe(true);
    expect(hooks[1]!.body).toEqual({
      media_items: [
        {
          image: {
            id,
            mime_type: 'image/jpeg',
            sha256: Buffer.from(media.fileSha256).toString('hex'),
            status: 'downloaded',
          },
          type: 'image',
        },
      ],
    });
    const bytes = await call(`/v1/media/${id}`);
    expect(bytes.status).toBe(200);
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(media.plaintext);
    const stored = (await (await call(`/v1/media/${id}/status`)).json()) as {
      media_items: Record<string, unknown>[];
    };
    expect(stored.media_items[0]).toMatchObject({ status: 'downloaded' });
    expect(stored.media_items[0]!.errors).toBeUndefined();
    expect(h.emulator.phone.requests.map((request) => request.outcome)).toEqual([
      'not-found',
      'success',
    ]);
  });

  it('a downloaded record whose file was lost: 409 saying it is fetched again, then the bytes', async () => {
    const media = seedImage(h.emulator);
    const id = (
      (await (await register(registerBody(media))).json()) as {
        media_items: { id: string }[];
      }
    ).media_items[0]!.id;
    await h.receiver.waitFor(1);
    await rm(join(h.dataDir, 'blobs', id));
    const lost = await call(`/v1/media/${id}`);
    expect(lost.status).toBe(409);
    expect(await lost.json()).toEqual({
      meta,
      errors: [
        {
          code: 1011,
          title: 'Media not ready',
          details: `media ${id} is not downloaded (pending: the stored file was missing or damaged; downloading it again)`,
        },
      ],
    });
    await h.receiver.waitFor(2);
    const bytes = await call(`/v1/media/${id}`);
    expect(bytes.status).toBe(200);
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(media.plaintext);
    const status = (await (await call('/v1/status')).json()) as {
      status: { outcomes: { lostFiles: number } };
    };
    expect(status.status.outcomes.lostFiles).toBe(1);
  });

  it('media not downloaded yet answers 409 with code 1011', async () => {
    const media = seedImage(h.emulator, { size: 50_000 });
    h.emulator.faults.add({ on: 'download', times: 'always', fault: { kind: 'stall', ms: 3000 } });
    const { media_items } = (await (await register(registerBody(media))).json()) as {
      media_items: { id: string }[];
    };
    const id = media_items[0]!.id;
    await eventually(async () =>
      (await h.store.get(id))?.status === 'downloading' ? true : undefined,
    );
    const early = await call(`/v1/media/${id}`);
    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({
      meta,
      errors: [
        {
          code: 1011,
          title: 'Media not ready',
          details: `media ${id} is not downloaded (downloading)`,
        },
      ],
    });
  });

  it('refuses missing and wrong tokens with 401 / 1005 on every route', async () => {
    for (const [path, method] of [
      ['/v1/status', 'GET'],
      ['/v1/media', 'POST'],
      ['/v1/media/AAAAAAAAAAAAAAAAAAAAAA', 'DELETE'],
      ['/nope', 'GET'],
    ] as const) {
      for (const token of [null, 'api-token-0123456789abcdeX', `${API_TOKEN}x`, '']) {
        const response = await call(path, { method, token });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        const body = await response.json();
        expect(body).toEqual({
          meta,
          errors: [
            { code: 1005, title: 'Access denied', details: 'missing or invalid bearer token' },
          ],
        });
        expect(JSON.stringify(body)).not.toContain(API_TOKEN);
      }
    }
    const basic = await call('/v1/status', {
      token: null,
      headers: { authorization: `Basic ${API_TOKEN}` },
    });
    expect(basic.status).toBe(401);
  });

  it('bad ids and unknown paths answer 404 / 1006', async () => {
    for (const path of [
      '/v1/media/AAAAAAAAAAAAAAAAAAAAAA',
      '/v1/media/not-an-id/status',
      '/v1/media/%00%ff/download',
      '/v1/media/x/y/z',
      '/',
      '/v2/media',
    ]) {
      const response = await call(path);
      expect(response.status, path).toBe(404);
      const body = (await response.json()) as { errors: { code: number; title: string }[] };
      expect(body.errors[0]).toMatchObject({ code: 1006, title: 'Resource not found' });
    }
    const method = await call('/v1/status', { method: 'PUT' });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
    expect(((await method.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1000);
  });

  it('bad bodies get 400/413/415 with 1008/1009 and name the field', async () => {
    const media = seedImage(h.emulator);
    const good = registerBody(media);
    const cases: [unknown, number, number, string][] = [
      ['{not json', 400, 1009, 'request body is not valid JSON'],
      ['[1,2]', 400, 1009, 'request body must be a JSON object'],
      [{ ...good, message: undefined }, 400, 1008, 'message is required'],
      [{ ...good, message: '***' }, 400, 1009, 'message must be base64 protobuf bytes'],
      [
        { ...good, message: Buffer.from([0xff, 0xff, 0xff]).toString('base64') },
        400,
        1009,
        'message is not a valid protobuf Message',
      ],
      [
        { ...good, message: Buffer.from([0x0a, 0x00]).toString('base64') },
        400,
        1009,
        'message carries no downloadable media',
      ],
      [{ ...good, msgId: undefined }, 400, 1008, 'msgId is required'],
      [{ ...good, isFromMe: 'no' }, 400, 1009, 'isFromMe must be a boolean'],
      [{ ...good, chatJid: 'not a jid' }, 400, 1009, 'info.chatJid must be a JID (≤ 128 chars)'],
      [{ ...good, participant: 5 }, 400, 1009, 'participant must be a string'],
    ];
    for (const [body, status, code, details] of cases) {
      const response = await register(body);
      expect(response.status, details).toBe(status);
      expect(await response.json(), details).toEqual({
        meta,
        errors: [{ code, title: expect.any(String), details }],
      });
    }
    const wrongType = await register(good, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    const huge = await register({ ...good, padding: 'x'.repeat(1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1009);
    // A conflicting registration of the same message id.
    await register(good);
    const other = seedImage(h.emulator);
    const conflict = await register({
      ...registerBody(other),
      msgId: media.msgId,
      chatJid: media.chatJid,
    });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1004);
    expect(await h.store.list()).toHaveLength(1);
  });
});
