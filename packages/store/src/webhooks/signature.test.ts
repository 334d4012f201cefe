// Webhook signatures (signing, verifying, replay window) and receiver URLs safe for logs.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  signWebhookBody,
  verifyWebhookSignature,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './signature.js';
import { receiverUrlForLogs } from './webhook-dispatcher.js';

const secret = 'secret-key-0123456789';
const JEFE_1_E1_X = '733e911b3e1689c9c73606a1c0974d1ad01578938f920b363c796a4dbdbec0b5';
const EVENT = '7d444840-9dc0-11d1-b245-5ffdce74fad2';
const headersOf = (signature: string, timestamp: number | string, eventId = EVENT) => ({
  [WEBHOOK_SIGNATURE_HEADER]: signature,
  [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
  [WEBHOOK_EVENT_ID_HEADER]: eventId,
});

describe('webhook signatures', () => {
  it('signs "<timestamp>.<event id>.<raw body>": matches HMAC-SHA256 computed with node:crypto', () => {
    const body = '{"media_items":[]}';
    const expected = createHmac('sha256', secret)
      .update(`1700000000.${EVENT}.${body}`)
      .digest('hex');
    expect(signWebhookBody(body, secret, 1_700_000_000, EVENT)).toBe(`sha256=${expected}`);
    // Known answer, independent of node:crypto: HMAC-SHA256(key "Jefe", "1.e1.x") computed once
    // with `printf '1.e1.x' | openssl dgst -sha256 -hmac Jefe`.
    expect(signWebhookBody('x', 'Jefe', 1, 'e1')).toBe(`sha256=${JEFE_1_E1_X}`);
  });

  it('a captured delivery replayed under a fresh event id (or none) is refused', () => {
    const body = '{"media_items":[]}';
    const timestamp = 1_700_000_000;
    const nowMs = timestamp * 1000;
    const signature = signWebhookBody(body, secret, timestamp, EVENT);
    expect(verifyWebhookSignature(body, headersOf(signature, timestamp), secret, { nowMs })).toBe(
      true,
    );
    const fresh = '0b6d7c1e-0000-4000-8000-000000000000';
    expect(
      verifyWebhookSignature(body, headersOf(signature, timestamp, fresh), secret, { nowMs }),
    ).toBe(false);
    for (const bad of ['', 'a.b', 'x'.repeat(129), 'ü']) {
      expect(
        verifyWebhookSignature(body, headersOf(signature, timestamp, bad), secret, { nowMs }),
      ).toBe(false);
    }
    const { [WEBHOOK_EVENT_ID_HEADER]: _dropped, ...withoutId } = headersOf(signature, timestamp);
    expect(verifyWebhookSignature(body, withoutId, secret, { nowMs })).toBe(false);
    expect(() => signWebhookBody(body, secret, timestamp, 'a.b')).toThrow('eventId');
  });

  it('verifies its own signatures within the tolerance and rejects any change', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        fc.nat(),
        (body, key, timestamp, flip) => {
          const nowMs = timestamp * 1000;
          const signature = signWebhookBody(body, key, timestamp, EVENT);
          const headers = headersOf(signature, timestamp);
          expect(verifyWebhookSignature(body, headers, key, { nowMs })).toBe(true);
          expect(
            verifyWebhookSignature(
              body,
              headersOf(signature.toUpperCase().replace('SHA256=', 'sha256='), timestamp),
              key,
              { nowMs },
            ),
          ).toBe(true);
          expect(verifyWebhookSignature(body, headers, `${key}x`, { nowMs })).toBe(false);
          // The timestamp is signed: changing it (to make an old delivery look fresh) fails.
          expect(
            verifyWebhookSignature(body, headersOf(signature, timestamp + 1), key, {
              nowMs: nowMs + 1000,
            }),
          ).toBe(false);
          if (body.length > 0) {
            const tampered = body.slice();
            tampered[flip % body.length]! ^= 0x01;
            expect(verifyWebhookSignature(tampered, headers, key, { nowMs })).toBe(false);
          }
          const last = signature.at(-1) === '0' ? '1' : '0';
          expect(
            verifyWebhookSignature(
              body,
              headersOf(`${signature.slice(0, -1)}${last}`, timestamp),
              key,
              {
                nowMs,
              },
            ),
          ).toBe(false);
        },
      ),
    );
  });

  it('refuses a replay outside the tolerance (default 5 minutes, configurable)', () => {
    const body = '{"media_items":[]}';
    const timestamp = 1_700_000_000;
    const headers = headersOf(signWebhookBody(body, secret, timestamp, EVENT), timestamp);
    const at = (seconds: number) => ({ nowMs: (timestamp + seconds) * 1000 });
    expect(verifyWebhookSignature(body, headers, secret, at(300))).toBe(true);
    expect(verifyWebhookSignature(body, headers, secret, at(-300))).toBe(true);
    expect(verifyWebhookSignature(body, headers, secret, at(301))).toBe(false);
    expect(verifyWebhookSignature(body, headers, secret, at(-301))).toBe(false);
    expect(verifyWebhookSignature(body, headers, secret, { ...at(3600), toleranceSec: 7200 })).toBe(
      true,
    );
    // Without a clock argument it uses the real one: a delivery signed now verifies.
    const now = Math.floor(Date.now() / 1000);
    expect(
      verifyWebhookSignature(
        body,
        headersOf(signWebhookBody(body, secret, now, EVENT), now),
        secret,
      ),
    ).toBe(true);
    expect(() => verifyWebhookSignature(body, headers, secret, { toleranceSec: -1 })).toThrow(
      'options.toleranceSec',
    );
  });

  it('reads Headers objects and Node header records alike; refuses malformed headers', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhookBody('héllo', 'k'.repeat(16), timestamp, EVENT);
    expect(
      verifyWebhookSignature(
        new TextEncoder().encode('héllo'),
        new Headers({
          'X-WA-Media-Signature': signature,
          'X-WA-Media-Timestamp': `${timestamp}`,
          'X-WA-Media-Event-Id': EVENT,
        }),
        'k'.repeat(16),
      ),
    ).toBe(true);
    expect(
      verifyWebhookSignature(
        'héllo',
        {
          [WEBHOOK_SIGNATURE_HEADER]: [signature],
          [WEBHOOK_TIMESTAMP_HEADER]: `${timestamp}`,
          [WEBHOOK_EVENT_ID_HEADER]: EVENT,
        },
        'k'.repeat(16),
      ),
    ).toBe(true);
    for (const bad of [
      undefined,
      '',
      'sha256=',
      'sha1=abc',
      signature.slice(7),
      `${signature}00`,
      'sha256=zz'.padEnd(71, 'z'),
    ]) {
      expect(
        verifyWebhookSignature(
          'héllo',
          {
            [WEBHOOK_SIGNATURE_HEADER]: bad,
            [WEBHOOK_TIMESTAMP_HEADER]: `${timestamp}`,
            [WEBHOOK_EVENT_ID_HEADER]: EVENT,
          },
          'k'.repeat(16),
        ),
      ).toBe(false);
    }
    for (const bad of [undefined, '', 'abc', `${timestamp}.5`, `-${timestamp}`, ` ${timestamp}x`]) {
      expect(
        verifyWebhookSignature(
          'héllo',
          {
            [WEBHOOK_SIGNATURE_HEADER]: signature,
            [WEBHOOK_TIMESTAMP_HEADER]: bad,
            [WEBHOOK_EVENT_ID_HEADER]: EVENT,
          },
          'k'.repeat(16),
        ),
      ).toBe(false);
    }
    expect(verifyWebhookSignature('héllo', headersOf(signature, timestamp), '')).toBe(false);
    expect(() => signWebhookBody('x', '', 1, EVENT)).toThrow(TypeError);
    expect(() => signWebhookBody('x', 'k', -1, EVENT)).toThrow('timestamp');
  });
});

describe('receiverUrlForLogs', () => {
  it('keeps scheme, host and path; hides the query and credentials', () => {
    expect(receiverUrlForLogs('https://user:pw@hooks.example.com:8443/a/b?token=SECRET#x')).toBe(
      'https://hooks.example.com:8443/a/b?…',
    );
    expect(receiverUrlForLogs('http://127.0.0.1:9/hook')).toBe('http://127.0.0.1:9/hook');
    expect(receiverUrlForLogs('not a url')).toBe('<invalid url>');
  });
});
