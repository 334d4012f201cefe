import { validateHeaderValue } from 'node:http';
import { Message } from '@wa-media/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeMediaMessage } from './describe-message.js';
import { isValidMimeType, MAX_MIME_TYPE_LENGTH } from './mime-type.js';

describe('isValidMimeType (RFC 9110 media-type)', () => {
  it('accepts types, subtypes and token or quoted-string parameters', () => {
    for (const value of [
      'image/jpeg',
      'audio/ogg; codecs=opus',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'text/plain;charset="utf-8"',
      'multipart/mixed; boundary="a b\\"c"',
      'video/mp4;\tcodecs=avc1',
    ]) {
      expect(isValidMimeType(value), value).toBe(true);
    }
  });

  it('refuses CR/LF anywhere (also where the old pattern allowed whitespace), and non-tokens', () => {
    for (const value of [
      'image/jpeg\r\n; x=y',
      'image/jpeg;\r\nx=y',
      'image/jpeg\r\nset-cookie: a=b',
      'image/jpeg\n',
      'image/jpeg\0',
      'image/jp eg',
      'image',
      '/jpeg',
      'image/',
      'image/jpeg; x="unterminated',
      'image/jpeg; x=é',
      'image/jpeg; =y',
      `image/${'a'.repeat(MAX_MIME_TYPE_LENGTH)}`,
    ]) {
      expect(isValidMimeType(value), JSON.stringify(value)).toBe(false);
    }
    expect(isValidMimeType(undefined)).toBe(false);
  });

  it('whatever it accepts, Node accepts as a header value (property, 2000 strings)', () => {
    const alphabet = fc.constantFrom(...'ab/;= \t"\\\r\n\0é:,x-+.'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 40 }), (value) => {
        if (isValidMimeType(value))
          expect(() => validateHeaderValue('content-type', value)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it('a message whose mimetype has CR/LF in its parameter whitespace is stored with the default type', () => {
    const message = Message.fromPartial({
      imageMessage: {
        directPath: '/v/x',
        mediaKey: new Uint8Array(32),
        fileSha256: new Uint8Array(32),
        mimetype: 'image/jpeg\r\n; x=y',
      },
    });
    expect(describeMediaMessage(message).mimeType).toBe('image/jpeg');
  });
});
