// The signalling's hostile modes: malformed media_conn replies, and mediaretry notifications
// that are not the answer (garbage, or someone else's) sent ahead of the real one. They let
// clients be tested against a server or a stranger that sends nonsense with the right ids.
import { randomBytes } from 'node:crypto';
import type { BinaryNode } from '@wa-media/protocol';

function resultIq(id: string | undefined, content: BinaryNode[]): BinaryNode {
  const attrs: Record<string, string> = { type: 'result', from: 's.whatsapp.net' };
  if (id !== undefined) attrs.id = id;
  return { tag: 'iq', attrs, content };
}

/**
 * A `<media_conn>` reply (to the query with `id`) that no client may accept: no auth,
 * negative and non-numeric lifetimes, host names that are URLs, paths, spaces or empty, a
 * host child with bytes for content. Rotates through shapes by `seq`.
 */
export function garbageMediaConnReply(id: string | undefined, seq: number): BinaryNode {
  const shapes: BinaryNode[][] = [
    [{ tag: 'media_conn', attrs: { ttl: '-5', auth_ttl: 'soon', max_buckets: '1e9' } }],
    [
      {
        tag: 'media_conn',
        attrs: { auth: 'x', ttl: '300' },
        content: [
          { tag: 'host', attrs: { hostname: 'http://127.0.0.1:9/latest/meta-data' } },
          { tag: 'host', attrs: { hostname: 'evil host/../x' } },
          { tag: 'host', attrs: { hostname: '' } },
          { tag: 'host', attrs: {}, content: new Uint8Array([0, 1, 2]) },
        ],
      },
    ],
    [{ tag: 'media_conn', attrs: { auth: 'x', ttl: '300' }, content: 'not children' }],
    [{ tag: 'not_media_conn', attrs: {} }],
  ];
  return resultIq(id, shapes[seq % shapes.length] ?? []);
}

function notification(msgId: string | undefined, content: BinaryNode['content']): BinaryNode {
  const attrs: Record<string, string> = { type: 'mediaretry', from: 's.whatsapp.net' };
  if (msgId !== undefined) attrs.id = msgId;
  return { tag: 'notification', attrs, ...(content === undefined ? {} : { content }) };
}

/** Malformed mediaretry notifications carrying the receipt's message id. */
export function garbageRetryNotifications(receipt: BinaryNode): BinaryNode[] {
  const msgId = receipt.attrs.id;
  const encrypt = (p: BinaryNode['content'], iv: BinaryNode['content']): BinaryNode => ({
    tag: 'encrypt',
    attrs: {},
    content: [
      { tag: 'enc_p', attrs: {}, ...(p === undefined ? {} : { content: p }) },
      { tag: 'enc_iv', attrs: {}, ...(iv === undefined ? {} : { content: iv }) },
    ],
  });
  return [
    notification(msgId, undefined),
    notification(msgId, [encrypt(randomBytes(40), randomBytes(5))]),
    notification(msgId, [encrypt(randomBytes(8), randomBytes(12))]),
    notification(msgId, [encrypt('text, not bytes', undefined)]),
    notification(msgId, [{ tag: 'error', attrs: { code: 'abc' } }]),
    notification(msgId, 'a string where children belong'),
  ];
}

/**
 * Notifications with the receipt's message id that answer someone else: another chat's `<rmr>`
 * (with a final-looking `error code="3"`), another participant's, and one for this chat sealed
 * with a key that is not the media's.
 */
export function foreignRetryNotifications(receipt: BinaryNode): BinaryNode[] {
  const msgId = receipt.attrs.id;
  const children = Array.isArray(receipt.content) ? receipt.content : [];
  const rmr = children.find((child) => child.tag === 'rmr');
  const chatJid = rmr?.attrs.jid ?? receipt.attrs.to ?? '15550009999@s.whatsapp.net';
  return [
    notification(msgId, [
      { tag: 'rmr', attrs: { jid: '19995550000@s.whatsapp.net', from_me: 'false' } },
      { tag: 'error', attrs: { code: '3' } },
    ]),
    notification(msgId, [
      {
        tag: 'rmr',
        attrs: { jid: chatJid, from_me: 'false', participant: '19995550001@s.whatsapp.net' },
      },
      { tag: 'error', attrs: { code: '2' } },
    ]),
    notification(msgId, [
      { tag: 'rmr', attrs: { jid: chatJid, from_me: rmr?.attrs.from_me ?? 'false' } },
      {
        tag: 'encrypt',
        attrs: {},
        content: [
          { tag: 'enc_p', attrs: {}, content: randomBytes(64) },
          { tag: 'enc_iv', attrs: {}, content: randomBytes(12) },
        ],
      },
    ]),
  ];
}
