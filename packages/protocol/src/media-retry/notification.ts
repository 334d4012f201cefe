// The media retry notification stanza: parsing it and matching it to the request it answers (id,
// chat, participant).

import {
  type BinaryNode,
  getAttr,
  getChild,
  getIntAttr,
  requireAttr,
  requireChild,
  requireContentBytes,
} from '../binary-node/binary-node.js';
import type { BinaryNodeMatcher } from '../binary-node/signaling.js';
import { isBinaryNodeError, MediaRetryError } from '../errors.js';
import { tryParseJid } from '../jid/jid.js';

/** What the phone answered: an encrypted `MediaRetryNotification`, or an error code. */
export type MediaRetryNotificationResult =
  | {
      /** The phone answered; open it with `decryptMediaRetry` and the media key. */
      kind: 'encrypted';
      /** The sealed `MediaRetryNotification` (AES-GCM ciphertext with its tag). */
      ciphertext: Uint8Array;
      /** The 12-byte GCM nonce. */
      iv: Uint8Array;
    }
  | {
      /** The phone (or server) answered with an `<error>`. */
      kind: 'error';
      /** A `MediaRetryNotification.ResultType`: 2 not found, 3 decryption error, else general. */
      code: number;
    };

/** A parsed `<notification type="mediaretry">`. */
export interface MediaRetryNotificationStanza {
  /** Id of the message the retry was for. */
  msgId: string;
  /** The notification's `from`, when present. */
  from?: string;
  /** The notification's `t` (unix seconds), when present. */
  timestamp?: number;
  /** `rmr jid`: the chat, when `<rmr>` is present. */
  chatJid?: string;
  /** `rmr from_me`, when `<rmr>` is present. */
  fromMe?: boolean;
  /** `rmr participant`, when present. */
  participant?: string;
  /** The sealed answer, or the error code. */
  result: MediaRetryNotificationResult;
}

/** Which message a media retry was for, beyond its id (see {@link isMediaRetryNotificationFor}). */
export interface MediaRetryOrigin {
  /** The chat the message is in. */
  chatJid: string;
  /** The sender, for group and broadcast messages. */
  participant?: string | undefined;
}

// Same account or chat: user and server equal, device and agent ignored.
function sameJid(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const left = tryParseJid(a);
  const right = tryParseJid(b);
  if (left === undefined || right === undefined) return a === b;
  return left.user === right.user && left.server === right.server;
}

// An `<rmr>` naming another chat (or another participant) answers someone else's request.
function rmrMatches(node: BinaryNode, origin: MediaRetryOrigin): boolean {
  const content = node.content;
  if (!Array.isArray(content)) return true;
  const rmr = content.find(
    (child: unknown) => (child as Partial<BinaryNode> | null | undefined)?.tag === 'rmr',
  ) as Partial<BinaryNode> | undefined;
  if (rmr === undefined) return true;
  const attrs = rmr.attrs;
  if (typeof attrs !== 'object' || attrs === null) return false;
  if (!sameJid(attrs.jid, origin.chatJid)) return false;
  // The phone echoes the request's key: a participant on one side only is another message.
  const participant = attrs.participant;
  if (participant === undefined || origin.participant === undefined) {
    return participant === undefined && origin.participant === undefined;
  }
  return sameJid(participant, origin.participant);
}

/**
 * Matcher for `MediaSignaling.waitFor`: the mediaretry notification answering `msgId`. With
 * `origin`, a notification whose `<rmr>` names another chat, or another participant (or a
 * participant where `origin` has none, or none where it has one), is not a match: message ids are unique per sender only, so the same id in someone else's chat is
 * someone else's answer (a notification without `<rmr>`, like a history-sync answer, still
 * matches by id).
 * @example
 * ```ts
 * const answer = await signaling.waitFor(isMediaRetryNotificationFor(msgId, { chatJid, participant }));
 * ```
 */
export function isMediaRetryNotificationFor(
  msgId: string,
  origin?: MediaRetryOrigin,
): BinaryNodeMatcher {
  // Runs on every incoming node: a malformed one is simply not a match, never a throw.
  return (node) => {
    const attrs = (node as Partial<BinaryNode> | null | undefined)?.attrs;
    return (
      node?.tag === 'notification' &&
      typeof attrs === 'object' &&
      attrs !== null &&
      attrs.type === 'mediaretry' &&
      attrs.id === msgId &&
      (origin === undefined || rmrMatches(node, origin))
    );
  };
}

/** Length of the AES-GCM IV in `<enc_iv>`. */
const RETRY_IV_BYTES = 12;
/** Length of the AES-GCM tag that ends `<enc_p>`; at least one ciphertext byte precedes it. */
const RETRY_TAG_BYTES = 16;

/**
 * Parse the phone's answer to a server-error receipt (docs/protocol.md §5). The encrypted payload
 * is returned as is: open it with crypto's media-retry functions, then
 * {@link decodeMediaRetryNotification}.
 * @throws {MediaRetryError} when the node is not a mediaretry notification, has no `id`, has
 * neither `<encrypt>` nor `<error>`, lacks `<enc_p>` / `<enc_iv>` bytes, has an `<enc_iv>`
 * that is not 12 bytes or an `<enc_p>` of 16 bytes or less (no room for ciphertext and the
 * GCM tag), has a non-integer error code, or is not a well-formed BinaryNode (`cause`: the
 * BinaryNodeError).
 */
export function parseMediaRetryNotification(node: BinaryNode): MediaRetryNotificationStanza {
  try {
    // getAttr first: it validates the node's shape before `node.tag` is read.
    if (getAttr(node, 'type') !== 'mediaretry' || node.tag !== 'notification') {
      throw new MediaRetryError(`expected <notification type="mediaretry">, got <${node.tag}>`);
    }
    const parsed: MediaRetryNotificationStanza = {
      msgId: requireAttr(node, 'id'),
      result: { kind: 'error', code: 0 },
    };
    const from = getAttr(node, 'from');
    const timestamp = getIntAttr(node, 't', { min: 0 });
    if (from !== undefined) parsed.from = from;
    if (timestamp !== undefined) parsed.timestamp = timestamp;
    const rmr = getChild(node, 'rmr');
    if (rmr !== undefined) {
      const chatJid = getAttr(rmr, 'jid');
      const fromMe = getAttr(rmr, 'from_me');
      const participant = getAttr(rmr, 'participant');
      if (chatJid !== undefined) parsed.chatJid = chatJid;
      if (fromMe !== undefined) parsed.fromMe = fromMe === 'true';
      if (participant !== undefined) parsed.participant = participant;
    }
    const error = getChild(node, 'error');
    const encrypt = getChild(node, 'encrypt');
    if (encrypt !== undefined) {
      const ciphertext = requireContentBytes(requireChild(encrypt, 'enc_p'));
      const iv = requireContentBytes(requireChild(encrypt, 'enc_iv'));
      if (iv.byteLength !== RETRY_IV_BYTES) {
        throw new MediaRetryError(
          `<enc_iv> must be ${RETRY_IV_BYTES} bytes (AES-GCM IV), got ${iv.byteLength}`,
        );
      }
      if (ciphertext.byteLength <= RETRY_TAG_BYTES) {
        throw new MediaRetryError(
          `<enc_p> must hold ciphertext and a ${RETRY_TAG_BYTES}-byte tag (more than ${RETRY_TAG_BYTES} bytes), got ${ciphertext.byteLength}`,
        );
      }
      parsed.result = { kind: 'encrypted', ciphertext, iv };
    } else if (error !== undefined) {
      parsed.result = { kind: 'error', code: requireIntAttrOf(error) };
    } else {
      throw new MediaRetryError('mediaretry notification has neither <encrypt> nor <error>');
    }
    return parsed;
  } catch (error) {
    if (isBinaryNodeError(error)) {
      throw new MediaRetryError(`Malformed mediaretry notification: ${error.message}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function requireIntAttrOf(error: BinaryNode): number {
  const code = getIntAttr(error, 'code', { min: 0 });
  if (code === undefined) throw new MediaRetryError('<error> has no "code" attribute');
  return code;
}
