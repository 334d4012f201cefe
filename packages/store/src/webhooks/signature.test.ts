import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from './signature.js';
import { redactUrl } from './webhook-dispatcher.js';

describe('webhook signatures', () => {
  it('matches an HMAC-SHA256 computed directly with node:crypto (known answer)', () => {
    const body = '{"media_items":[]}';
    const expected = createHmac('sha256', 'secret-key-0123456789').update(body).digest('hex');
    expect(signWebhookBody(body, 'secret-key-0123456789')).toBe(`sha256=${expected}`);
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(signWebhookBody('what do ya want for nothing?', 'Jefe')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('verifies its own signatures and rejects any change of body, secret or header', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        (body, secret, flip) => {
          const header = signWebhookBody(body, secret);
          expect(verifyWebhookSignature(body, header, secret)).toBe(true);
          expect(
            verifyWebhookSignature(
              body,
              header.toUpperCase().replace('SHA256=', 'sha256='),
              secret,
            ),
          ).toBe(true);
          expect(verifyWebhookSignature(body, header, `${secret}x`)).toBe(false);
          if (body.length > 0) {
            const tampered = body.slice();
            tampered[flip % body.length]! ^= 0x01;
            expect(verifyWebhookSignature(tampered, header, secret)).toBe(false);
          }
          const last = header.at(-1) === '0' ? '1' : '0';
          expect(verifyWebhookSignature(body, `${header.slice(0, -1)}${last}`, secret)).toBe(false);
        },
      ),
    );
  });

  it('treats string and byte bodies alike and refuses malformed headers', () => {
    const header = signWebhookBody('héllo', 'k'.repeat(16));
    expect(verifyWebhookSignature(new TextEncoder().encode('héllo'), header, 'k'.repeat(16))).toBe(
      true,
    );
    expect(verifyWebhookSignature('héllo', [header], 'k'.repeat(16))).toBe(true);
    for (const bad of [
      undefined,
      null,
      '',
      'sha256=',
      'sha1=abc',
      header.slice(7),
      `${header}00`,
      'sha256=zz'.padEnd(71, 'z'),
    ]) {
      expect(verifyWebhookSignature('héllo', bad, 'k'.repeat(16))).toBe(false);
    }
    expect(verifyWebhookSignature('héllo', header, '')).toBe(false);
    expect(() => signWebhookBody('x', '')).toThrow(TypeError);
  });
});

describe('redactUrl', () => {
  it('keeps scheme, host and path; hides the query and credentials', () => {
    expect(redactUrl('https://user:pw@hooks.example.com:8443/a/b?token=SECRET#x')).toBe(
      'https://hooks.example.com:8443/a/b?…',
    );
    expect(redactUrl('http://127.0.0.1:9/hook')).toBe('http://127.0.0.1:9/hook');
    expect(redactUrl('not a url')).toBe('<invalid url>');
  });
});
