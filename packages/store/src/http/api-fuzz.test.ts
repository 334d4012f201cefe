// The HTTP API fed random request bodies and paths (fast-check, bounded in runs and time): every
// answer is a well-formed JSON success or a 4xx refusal, never a 500, a hang or a dead server.
import { encodeMessage } from '@wa-media/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedImage } from '../test-support/media-fixtures.js';
import { API_TOKEN, type Harness, startHarness } from '../test-support/store-harness.js';

describe('HTTP API fuzz', () => {
  let h: Harness;
  let api: { url: string; close(): Promise<void> };
  let validMessage: string;
  beforeAll(async () => {
    h = await startHarness();
    api = await h.store.listen({ token: API_TOKEN });
    validMessage = Buffer.from(encodeMessage(seedImage(h.emulator).message)).toString('base64');
  });
  afterAll(async () => {
    await api.close();
    await h.close();
  });

  const answered = new Set([200, 201, 400, 404, 405, 409, 413, 415]);
  async function expectWellFormed(response: Response): Promise<void> {
    expect(answered.has(response.status), `status ${response.status}`).toBe(true);
    const body = (await response.json()) as { meta?: unknown; errors?: { code: unknown }[] };
    expect(body.meta).toEqual({ api_status: 'stable', version: '1.0.0.0' });
    if (response.status >= 400) expect(typeof body.errors?.[0]?.code).toBe('number');
  }

  it('POST /v1/media with any body: a registration or a typed 4xx, never a 500', async () => {
    const base64Of = fc
      .uint8Array({ maxLength: 300 })
      .map((bytes) => Buffer.from(bytes).toString('base64'));
    const mutated = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
      const bytes = Buffer.from(validMessage, 'base64');
      bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
      return bytes.toString('base64');
    });
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 300 }));
    const body = fc.record(
      {
        message: fc.oneof(base64Of, mutated, fc.constant(validMessage), field),
        msgId: fc.oneof(fc.stringMatching(/^[A-Z0-9]{1,40}$/), field),
        chatJid: fc.oneof(
          fc.constantFrom('15550002222@s.whatsapp.net', '120363000000000001@g.us', 'x@lid'),
          field,
        ),
        isFromMe: fc.oneof(fc.boolean(), field),
        participant: fc.oneof(fc.constant('15550003333@s.whatsapp.net'), field),
      },
      { requiredKeys: [] },
    );
    const raw = fc.oneof(
      body.map((value) => JSON.stringify(value)),
      fc.string({ maxLength: 500 }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
    await fc.assert(
      fc.asyncProperty(
        raw,
        fc.constantFrom('application/json', 'text/plain', ''),
        async (text, type) => {
          const response = await fetch(`${api.url}/v1/media`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${API_TOKEN}`,
              ...(type === '' ? {} : { 'content-type': type }),
            },
            body: text,
          });
          await expectWellFormed(response);
        },
      ),
      { numRuns: 200, interruptAfterTimeLimit: 30_000 },
    );
  });

  it('any path and method: an answer or a typed 4xx, never a 500', async () => {
    const segment = fc.oneof(
      fc.constantFrom('v1', 'media', 'status', 'download', '..', '%2e%2e', '%00', '%E0%A4%A'),
      fc.string({ unit: fc.constantFrom(...'abcAZ09_-%.~'.split('')), maxLength: 30 }),
    );
    const path = fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'POST'),
        async (p, method) => {
          const response = await fetch(`${api.url}${p}`, {
            method,
            headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
            ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
          });
          if (response.headers.get('content-type')?.startsWith('application/json')) {
            await expectWellFormed(response);
          } else {
            // The bytes of a stored media item (a random path can name one only by chance).
            expect(response.status).toBe(200);
            await response.arrayBuffer();
          }
        },
      ),
      { numRuns: 300, interruptAfterTimeLimit: 30_000 },
    );
    const status = await fetch(`${api.url}/v1/status`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(status.status).toBe(200);
  });
});
