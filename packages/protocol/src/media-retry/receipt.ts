import type { BinaryNode } from '../binary-node/binary-node.js';
import { InvalidArgumentError } from '../errors.js';
import { jidWithoutDevice, parseJid } from '../jid/jid.js';

/** What {@link buildServerErrorReceipt} needs to ask the sender's phone to re-upload media. */
export interface ServerErrorReceiptParams {
  /** Id of the message whose media expired. */
  msgId: string;
  /** Our own JID (the device part is removed for `to`). */
  ownJid: string;
  /** The chat the message is in (`rmr jid`). */
  chatJid: string;
  /** Whether we sent the message (`rmr from_me`). */
  isFromMe: boolean;
  /** The sender, for group and broadcast messages only (`rmr participant`). */
  participant?: string | undefined;
  /** AES-GCM ciphertext ‖ 16-byte tag of the encoded `ServerErrorReceipt`. */
  ciphertext: Uint8Array;
  /** The 12-byte GCM iv. */
  iv: Uint8Array;
  /** History-sync media: adds `category="peer"` and leaves out `<rmr>`. @default false */
  historySync?: boolean | undefined;
}

/**
 * The media retry ("server-error") receipt of docs/protocol.md §5:
 * `<receipt id to type="server-error"><encrypt><enc_p/><enc_iv/></encrypt><rmr jid from_me participant?/></receipt>`,
 * or for history sync `<receipt id to type="server-error" category="peer"><encrypt>…</encrypt></receipt>`.
 * Register the `waitFor(isMediaRetryNotificationFor(msgId))` waiter before sending it.
 * @throws {InvalidArgumentError} for an empty `msgId`, a `ciphertext` shorter than the 16-byte
 * tag, or an `iv` that is not 12 bytes.
 * @throws {InvalidJidError} when `ownJid`, `chatJid` or `participant` is not a JID.
 */
export function buildServerErrorReceipt(params: ServerErrorReceiptParams): BinaryNode {
  const { msgId, ownJid, chatJid, isFromMe, participant, ciphertext, iv, historySync } = params;
  if (typeof msgId !== 'string' || msgId === '') {
    throw new InvalidArgumentError('msgId', 'must be a non-empty string');
  }
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length < 16) {
    throw new InvalidArgumentError(
      'ciphertext',
      'must be a Uint8Array of at least 16 bytes (GCM tag)',
    );
  }
  if (!(iv instanceof Uint8Array) || iv.length !== 12) {
    throw new InvalidArgumentError('iv', 'must be a 12-byte Uint8Array');
  }
  const attrs: Record<string, string> = {
    id: msgId,
    to: jidWithoutDevice(ownJid),
    type: 'server-error',
  };
  const encrypt: BinaryNode = {
    tag: 'encrypt',
    attrs: {},
    content: [
      { tag: 'enc_p', attrs: {}, content: ciphertext },
      { tag: 'enc_iv', attrs: {}, content: iv },
    ],
  };
  if (historySync === true) {
    attrs.category = 'peer';
    return { tag: 'receipt', attrs, content: [encrypt] };
  }
  parseJid(chatJid);
  const rmrAttrs: Record<string, string> = { jid: chatJid, from_me: isFromMe ? 'true' : 'false' };
  if (participant !== undefined) {
    parseJid(participant);
    rmrAttrs.participant = participant;
  }
  return { tag: 'receipt', attrs, content: [encrypt, { tag: 'rmr', attrs: rmrAttrs }] };
}
