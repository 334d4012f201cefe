// Media retry: payload encryption (cross-checked with node:crypto), the server-error receipt and
// parsing notifications.
import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BinaryNode } from '../binary-node/binary-node.js';
import {
  InvalidArgumentError,
  InvalidJidError,
  MediaRetryError,
  ProtobufDecodeError,
} from '../errors.js';
import { MediaRetryNotification } from '../generated/wa_media.pb.js';
import { catchError } from '../test-support/catch-error.js';
import { isMediaRetryNotificationFor, parseMediaRetryNotification } from './notification.js';
import {
  decodeMediaRetryNotification,
  encodeServerErrorReceipt,
  mediaRetryResultFromCode,
} from './payload.js';
import { buildServerErrorReceipt } from './receipt.js';

const hex = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));

// Known answer: vectors/zapo-media-retry (its README names the source and commit).
const vector = JSON.parse(
  readFileSync(
    new URL('../../../../vectors/zapo-media-retry/vector.json', import.meta.url),
    'utf8',
  ),
) as Record<'mediaKey' | 'iv' | 'stanzaId' | 'plaintext' | 'sealed', string>;
const mediaKey = hex(vector.mediaKey);
const iv = hex(vector.iv);
const stanzaId = vector.stanzaId;
const expectedPlaintext = hex(vector.plaintext);
const expectedSealed = hex(vector.sealed);

const retryKey = new Uint8Array(
  hkdfSync('sha256', mediaKey, new Uint8Array(32), 'WhatsApp Media Retry Notification', 32),
);
function seal(plaintext: Uint8Array, nonce: Uint8Array, aad: string): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', retryKey, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return new Uint8Array(
    Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]),
  );
}
function open(sealed: Uint8Array, nonce: Uint8Array, aad: string): Uint8Array {
  const decipher = createDecipheriv('aes-256-gcm', retryKey, nonce);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return new Uint8Array(
    Buffer.concat([decipher.update(sealed.subarray(0, -16)), decipher.final()]),
  );
}

describe('retry payloads', () => {
  it('encodeServerErrorReceipt matches the zapo known answer, and seals to its ciphertext', () => {
    expect(stanzaId).toBe('3EB0RMRTEST01');
    const plaintext = encodeServerErrorReceipt(stanzaId);
    expect(plaintext).toEqual(expectedPlaintext);
    expect(seal(plaintext, iv, stanzaId)).toEqual(expectedSealed);
  });

  it('rejects an empty stanza id', () => {
    expect(() => encodeServerErrorReceipt('')).toThrow(InvalidArgumentError);
  });

  it('decodes a MediaRetryNotification and maps every ResultType', () => {
    const bytes = MediaRetryNotification.encode({
      stanzaId,
      directPath: '/v/t62.7118-24/1_2_3.enc?ccb=11-4&oh=x&oe=y',
      result: 1,
      messageSecret: new Uint8Array([9, 9]),
    }).finish();
    expect(decodeMediaRetryNotification(bytes)).toEqual({
      stanzaId,
      directPath: '/v/t62.7118-24/1_2_3.enc?ccb=11-4&oh=x&oe=y',
      result: 'success',
      resultCode: 1,
      messageSecret: new Uint8Array([9, 9]),
    });
    expect(decodeMediaRetryNotification(new Uint8Array())).toEqual({
      result: 'general-error',
      resultCode: 0,
    });
    expect(decodeMediaRetryNotification(Uint8Array.of(0x18, 2))).toMatchObject({
      result: 'not-found',
    });
    expect(decodeMediaRetryNotification(Uint8Array.of(0x18, 3))).toMatchObject({
      result: 'decryption-error',
    });
    expect(decodeMediaRetryNotification(Uint8Array.of(0x18, 9))).toEqual({
      result: 'general-error',
      resultCode: 9,
    });
    expect([0, 1, 2, 3, 4, -1].map(mediaRetryResultFromCode)).toEqual([
      'general-error',
      'success',
      'not-found',
      'decryption-error',
      'general-error',
      'general-error',
    ]);
  });

  it('rejects malformed bytes with a typed error', () => {
    for (const bytes of [Uint8Array.of(0x0a, 5, 1), Uint8Array.of(0x00), Uint8Array.of(0x0c)]) {
      const error = catchError(() => decodeMediaRetryNotification(bytes));
      expect(error).toBeInstanceOf(ProtobufDecodeError);
      expect(error).toMatchObject({
        code: 'malformed-protobuf',
        messageType: 'MediaRetryNotification',
      });
    }
  });
});

describe('buildServerErrorReceipt', () => {
  const ciphertext = expectedSealed;
  it('builds the golden receipt (group message, participant, device removed from to)', () => {
    expect(
      buildServerErrorReceipt({
        msgId: stanzaId,
        ownJid: '5511999999999.0:7@s.whatsapp.net',
        chatJid: '120363025246125888@g.us',
        isFromMe: false,
        participant: '5511888888888@s.whatsapp.net',
        ciphertext,
        iv,
      }),
    ).toEqual({
      tag: 'receipt',
      attrs: { id: stanzaId, to: '5511999999999@s.whatsapp.net', type: 'server-error' },
      content: [
        {
          tag: 'encrypt',
          attrs: {},
          content: [
            { tag: 'enc_p', attrs: {}, content: ciphertext },
            { tag: 'enc_iv', attrs: {}, content: iv },
          ],
        },
        {
          tag: 'rmr',
          attrs: {
            jid: '120363025246125888@g.us',
            from_me: 'false',
            participant: '5511888888888@s.whatsapp.net',
          },
        },
      ],
    } satisfies BinaryNode);
  });

  it('omits participant in a 1:1 chat and writes from_me="true"', () => {
    const node = buildServerErrorReceipt({
      msgId: 'ABC',
      ownJid: '123:2@lid',
      chatJid: '5511888888888@s.whatsapp.net',
      isFromMe: true,
      ciphertext,
      iv,
    });
    expect(node.attrs).toEqual({ id: 'ABC', to: '123@lid', type: 'server-error' });
    expect((node.content as BinaryNode[])[1]).toEqual({
      tag: 'rmr',
      attrs: { jid: '5511888888888@s.whatsapp.net', from_me: 'true' },
    });
  });

  it('builds the history-sync variant: category="peer", no <rmr>', () => {
    expect(
      buildServerErrorReceipt({
        msgId: 'HIST1',
        ownJid: '5511999999999:7@s.whatsapp.net',
        chatJid: '5511999999999@s.whatsapp.net',
        isFromMe: true,
        ciphertext,
        iv,
        historySync: true,
      }),
    ).toEqual({
      tag: 'receipt',
      attrs: {
        id: 'HIST1',
        to: '5511999999999@s.whatsapp.net',
        type: 'server-error',
        category: 'peer',
      },
      content: [
        {
          tag: 'encrypt',
          attrs: {},
          content: [
            { tag: 'enc_p', attrs: {}, content: ciphertext },
            { tag: 'enc_iv', attrs: {}, content: iv },
          ],
        },
      ],
    });
  });

  it('names the bad parameter', () => {
    const base = {
      msgId: 'A',
      ownJid: '1@s.whatsapp.net',
      chatJid: '2@s.whatsapp.net',
      isFromMe: false,
      ciphertext,
      iv,
    };
    expect(catchError(() => buildServerErrorReceipt({ ...base, msgId: '' }))).toMatchObject({
      parameter: 'msgId',
    });
    expect(
      catchError(() => buildServerErrorReceipt({ ...base, iv: new Uint8Array(16) })),
    ).toMatchObject({ parameter: 'iv' });
    expect(
      catchError(() => buildServerErrorReceipt({ ...base, ciphertext: new Uint8Array(15) })),
    ).toMatchObject({
      parameter: 'ciphertext',
    });
    expect(
      catchError(() => buildServerErrorReceipt({ ...base, ownJid: 'me' + '@@' })),
    ).toBeInstanceOf(InvalidJidError);
    expect(catchError(() => buildServerErrorReceipt({ ...base, chatJid: '' }))).toBeInstanceOf(
      InvalidJidError,
    );
    expect(
      catchError(() => buildServerErrorReceipt({ ...base, participant: 'x y@g.us' })),
    ).toBeInstanceOf(InvalidJidError);
  });
});

describe('parseMediaRetryNotification', () => {
  it('rejects a non-node argument with a MediaRetryError; the matcher says false', () => {
    for (const value of [null, undefined, 5, 'notification', { tag: 'notification' }]) {
      expect(catchError(() => parseMediaRetryNotification(value as BinaryNode))).toBeInstanceOf(
        MediaRetryError,
      );
      expect(isMediaRetryNotificationFor('X')(value as BinaryNode)).toBe(false);
    }
  });

  const rmr = {
    tag: 'rmr',
    attrs: {
      jid: '120363025246125888@g.us',
      from_me: 'false',
      participant: '55118@s.whatsapp.net',
    },
  };

  it('parses an encrypted answer that decrypts to the new direct path', () => {
    const replyIv = hex('b0b1b2b3b4b5b6b7b8b9babb');
    const plaintext = MediaRetryNotification.encode({
      stanzaId,
      directPath: '/v/new.enc?oh=1',
      result: 1,
    }).finish();
    const node: BinaryNode = {
      tag: 'notification',
      attrs: {
        id: stanzaId,
        type: 'mediaretry',
        from: '5511999999999@s.whatsapp.net',
        t: '1700000000',
      },
      content: [
        rmr,
        {
          tag: 'encrypt',
          attrs: {},
          content: [
            { tag: 'enc_p', attrs: {}, content: seal(plaintext, replyIv, stanzaId) },
            { tag: 'enc_iv', attrs: {}, content: replyIv },
          ],
        },
      ],
    };
    expect(isMediaRetryNotificationFor(stanzaId)(node)).toBe(true);
    expect(isMediaRetryNotificationFor('other')(node)).toBe(false);
    // Matched by chat and participant too: the same id in someone else's chat is not ours.
    const group = '120363025246125888@g.us';
    const match = (origin: { chatJid: string; participant?: string }) =>
      isMediaRetryNotificationFor(stanzaId, origin)(node);
    expect(match({ chatJid: group, participant: '55118:3@s.whatsapp.net' })).toBe(true);
    expect(match({ chatJid: group })).toBe(false);
    expect(match({ chatJid: '120363000000000000@g.us' })).toBe(false);
    expect(match({ chatJid: group, participant: '55119@s.whatsapp.net' })).toBe(false);
    const withoutRmr = { ...node, content: (node.content as BinaryNode[]).slice(1) };
    expect(isMediaRetryNotificationFor(stanzaId, { chatJid: group })(withoutRmr)).toBe(true);
    const oneToOne = {
      ...node,
      content: [{ tag: 'rmr', attrs: { jid: '55118@s.whatsapp.net', from_me: 'false' } }],
    };
    expect(
      isMediaRetryNotificationFor(stanzaId, { chatJid: '55118@s.whatsapp.net' })(oneToOne),
    ).toBe(true);
    const parsed = parseMediaRetryNotification(node);
    expect(parsed).toEqual({
      msgId: stanzaId,
      from: '5511999999999@s.whatsapp.net',
      timestamp: 1700000000,
      chatJid: '120363025246125888@g.us',
      fromMe: false,
      participant: '55118@s.whatsapp.net',
      result: { kind: 'encrypted', ciphertext: seal(plaintext, replyIv, stanzaId), iv: replyIv },
    });
    if (parsed.result.kind !== 'encrypted') throw new Error('unreachable');
    const opened = open(parsed.result.ciphertext, parsed.result.iv, parsed.msgId);
    expect(decodeMediaRetryNotification(opened)).toEqual({
      stanzaId,
      directPath: '/v/new.enc?oh=1',
      result: 'success',
      resultCode: 1,
    });
  });

  it('parses an error answer', () => {
    expect(
      parseMediaRetryNotification({
        tag: 'notification',
        attrs: { id: 'X', type: 'mediaretry' },
        content: [
          { tag: 'rmr', attrs: { jid: '1@s.whatsapp.net', from_me: 'true' } },
          { tag: 'error', attrs: { code: '2' } },
        ],
      }),
    ).toEqual({
      msgId: 'X',
      chatJid: '1@s.whatsapp.net',
      fromMe: true,
      result: { kind: 'error', code: 2 },
    });
  });

  /** `<notification id="X" type="mediaretry">` holding `children`. */
  const notificationX = (...children: BinaryNode[]): BinaryNode => ({
    tag: 'notification',
    attrs: { id: 'X', type: 'mediaretry' },
    content: children,
  });
  /** That notification with one `<encrypt>` child holding `parts`. */
  const encryptedX = (...parts: BinaryNode[]): BinaryNode =>
    notificationX({ tag: 'encrypt', attrs: {}, content: parts });
  const bytesChild = (tag: 'enc_p' | 'enc_iv', content: Uint8Array): BinaryNode => ({
    tag,
    attrs: {},
    content,
  });
  /** An `<encrypt>` answer whose enc_p and enc_iv are zero-filled and of these lengths. */
  const encryptedOfLengths = (encPLength: number, encIvLength: number): BinaryNode =>
    encryptedX(
      bytesChild('enc_p', new Uint8Array(encPLength)),
      bytesChild('enc_iv', new Uint8Array(encIvLength)),
    );

  it.each<[string, BinaryNode]>([
    ['wrong tag', { tag: 'receipt', attrs: { id: 'X', type: 'mediaretry' } }],
    ['wrong type', { tag: 'notification', attrs: { id: 'X', type: 'w:gp2' } }],
    [
      'no id',
      {
        tag: 'notification',
        attrs: { type: 'mediaretry' },
        content: [{ tag: 'error', attrs: { code: '2' } }],
      },
    ],
    ['neither encrypt nor error', notificationX(rmr)],
    ['encrypt without enc_iv', encryptedX(bytesChild('enc_p', new Uint8Array(20)))],
    ['enc_p without bytes', encryptedX({ tag: 'enc_p', attrs: {} }, bytesChild('enc_iv', iv))],
    ['enc_iv of 5 bytes', encryptedOfLengths(20, 5)],
    ['enc_iv of 16 bytes', encryptedOfLengths(20, 16)],
    ['empty enc_iv', encryptedOfLengths(20, 0)],
    ['enc_p shorter than the 16-byte GCM tag', encryptedOfLengths(15, 12)],
    ['enc_p that is only a tag (no ciphertext)', encryptedOfLengths(16, 12)],
    ['no attrs', { tag: 'notification' } as BinaryNode],
    ['a null child', notificationX(null as unknown as BinaryNode)],
    [
      'an encrypt child without attrs',
      notificationX({ tag: 'encrypt', content: [] } as unknown as BinaryNode),
    ],
    [
      'a numeric id',
      {
        tag: 'notification',
        attrs: { id: 5 as unknown as string, type: 'mediaretry' },
        content: [{ tag: 'error', attrs: { code: '2' } }],
      },
    ],
    ['error without code', notificationX({ tag: 'error', attrs: {} })],
    ['non-numeric error code', notificationX({ tag: 'error', attrs: { code: 'x' } })],
  ])('%s → MediaRetryError', (_, node) => {
    const error = catchError(() => parseMediaRetryNotification(node));
    expect(error).toBeInstanceOf(MediaRetryError);
    expect(error).toMatchObject({ code: 'malformed-media-retry' });
    expect(isMediaRetryNotificationFor('X')(node)).toBe(
      node.tag === 'notification' && node.attrs?.type === 'mediaretry' && node.attrs.id === 'X',
    );
  });
});
