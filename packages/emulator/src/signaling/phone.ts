// The emulated sender's phone: remembers sent media and answers media retry requests (re-upload,
// not found, decryption error) with encrypted notifications.

import {
  type BinaryNode,
  getChild,
  isNewsletterJid,
  jidWithoutDevice,
  MediaRetryNotification,
  MediaRetryNotification_ResultType,
  ServerErrorReceipt,
  tryParseJid,
} from '@wa-media/protocol';
import type { MediaStore } from '../cdn/media-store.js';
import { PUBLIC_MEDIA_ORIGIN } from '../cdn/media-store.js';
import { routeForMmsType, type UploadRoute } from '../cdn/upload-routes.js';
import type { EmulatorClock } from '../clock.js';
import { EmulatorError } from '../errors.js';
import { openRetryPayload, sealRetryPayload } from './retry-crypto.js';

/**
 * Media the emulated sender's phone still has, so it can answer a media retry request.
 *
 * @example
 * ```ts
 * const { directPath } = emulator.phone.remember({ msgId: '3EB0ABC', mediaKey, blob: encrypted.data, mmsType: 'image' });
 * ```
 */
export interface RememberMediaParams {
  /** Id of the message that carried the media (the receipt's `id`). */
  msgId: string;
  /** The message's 32-byte media key: the retry request and answer are sealed with it. */
  mediaKey: Uint8Array;
  /** Direct path (or URL) of an object already on this emulator. Give this or `blob`. */
  directPath?: string;
  /** The blob itself; the emulator stores it now and returns its direct path. */
  blob?: Uint8Array;
  /** mms-type for `blob` (`image`, `video`, `md-msg-hist`, …). @default 'image' */
  mmsType?: string;
  /** When set, the receipt's `<rmr jid>` must name this chat. */
  chatJid?: string;
}

/** What the phone did with one server-error receipt. */
export interface MediaRetryRecord {
  /** Id of the message the receipt asked about. */
  readonly msgId: string;
  /** What the phone answered (the `MediaRetryNotification` result, or an error). */
  readonly outcome: 'success' | 'not-found' | 'decryption-error' | 'general-error';
  /** The new direct path, on success. */
  readonly directPath?: string;
  /** Why, when it was not a success. */
  readonly reason?: string;
}

/** The emulated sender's phone. */
export interface PhoneEmulator {
  /**
   * Registers media the phone can re-upload on request.
   * @returns the direct path and URL of the media as stored on the emulator.
   * @throws {EmulatorError} `bad-option` for a key that is not 32 bytes, neither or both of
   * `directPath`/`blob`, an unknown direct path or mms-type.
   */
  remember(params: RememberMediaParams): {
    /** Direct path of the media on this emulator. */
    directPath: string;
    /** `https://mmg.whatsapp.net` + direct path. */
    url: string;
  };
  /** Forgets one message's media (later retries answer "not found"). */
  forget(msgId: string): boolean;
  /** Every retry request handled so far, oldest first. */
  readonly requests: readonly MediaRetryRecord[];
  /** Forgets everything and clears `requests`. */
  clear(): void;
}

interface Remembered {
  msgId: string;
  mediaKey: Uint8Array;
  bytes: Buffer;
  route: UploadRoute;
  chatJid: string | undefined;
}

function bytesOf(node: BinaryNode | undefined): Uint8Array | undefined {
  if (node === undefined) return undefined;
  if (node.content instanceof Uint8Array) return node.content;
  if (typeof node.content === 'string') return new TextEncoder().encode(node.content);
  return undefined;
}

export class Phone implements PhoneEmulator {
  readonly #store: MediaStore;
  readonly #clock: EmulatorClock;
  readonly #media = new Map<string, Remembered>();
  readonly #requests: MediaRetryRecord[] = [];

  constructor(store: MediaStore, clock: EmulatorClock) {
    this.#store = store;
    this.#clock = clock;
  }

  remember(params: RememberMediaParams): { directPath: string; url: string } {
    const { msgId, mediaKey, directPath, blob, chatJid } = params;
    if (typeof msgId !== 'string' || msgId === '') {
      throw new EmulatorError('bad-option', 'msgId must be a non-empty string');
    }
    if (!(mediaKey instanceof Uint8Array) || mediaKey.length !== 32) {
      throw new EmulatorError(
        'bad-option',
        `mediaKey must be 32 bytes, got ${mediaKey instanceof Uint8Array ? mediaKey.length : typeof mediaKey}`,
      );
    }
    if ((directPath === undefined) === (blob === undefined)) {
      throw new EmulatorError('bad-option', 'give exactly one of directPath and blob');
    }
    let stored: { bytes: Buffer; route: UploadRoute; directPath: string };
    if (directPath !== undefined) {
      const media = this.#store.byDirectPath(directPath);
      if (media === undefined) {
        throw new EmulatorError('bad-option', 'directPath is not an object of this emulator');
      }
      stored = media;
    } else {
      const route = routeForMmsType(params.mmsType ?? 'image');
      if (route === undefined) {
        throw new EmulatorError(
          'bad-option',
          `mmsType ${JSON.stringify(params.mmsType)} is not known`,
        );
      }
      stored = this.#store.put(Buffer.from(blob as Uint8Array), route);
    }
    this.#media.set(msgId, {
      msgId,
      mediaKey: Uint8Array.from(mediaKey),
      bytes: stored.bytes,
      route: stored.route,
      chatJid,
    });
    return { directPath: stored.directPath, url: `${PUBLIC_MEDIA_ORIGIN}${stored.directPath}` };
  }

  forget(msgId: string): boolean {
    return this.#media.delete(msgId);
  }

  get requests(): readonly MediaRetryRecord[] {
    return [...this.#requests];
  }

  clear(): void {
    this.#media.clear();
    this.#requests.length = 0;
  }

  /**
   * Answers a `<receipt type="server-error">` (docs/protocol.md §5) with the
   * `<notification type="mediaretry">` the server would relay, or undefined when the receipt has
   * no id to answer to.
   */
  answerReceipt(receipt: BinaryNode, ownJid: string | undefined): BinaryNode | undefined {
    const msgId = receipt.attrs.id;
    if (msgId === undefined || msgId === '') return undefined;
    const rmr = getChild(receipt, 'rmr');
    const historySync = receipt.attrs.category === 'peer';
    const answer = (outcome: MediaRetryRecord['outcome'], reason: string): BinaryNode => {
      this.#requests.push({ msgId, outcome, reason });
      const code = {
        'general-error': MediaRetryNotification_ResultType.GENERAL_ERROR,
        'not-found': MediaRetryNotification_ResultType.NOT_FOUND,
        'decryption-error': MediaRetryNotification_ResultType.DECRYPTION_ERROR,
        success: MediaRetryNotification_ResultType.SUCCESS,
      }[outcome];
      return this.#notification(msgId, ownJid, rmr, [
        { tag: 'error', attrs: { code: String(code) } },
      ]);
    };

    // Strict like the server: a malformed receipt is a client bug, answered as a general error.
    if (ownJid === undefined) return answer('general-error', 'not logged in');
    if (receipt.attrs.to !== jidWithoutDevice(ownJid)) {
      return answer('general-error', 'receipt `to` must be the own JID without device');
    }
    if (!historySync && rmr === undefined) return answer('general-error', 'receipt has no <rmr>');
    if (historySync && rmr !== undefined)
      return answer('general-error', 'history-sync receipt must not have <rmr>');
    if (rmr !== undefined) {
      const jid = rmr.attrs.jid;
      if (jid === undefined || (rmr.attrs.from_me !== 'true' && rmr.attrs.from_me !== 'false')) {
        return answer('general-error', '<rmr> needs jid and from_me="true|false"');
      }
      const chat = tryParseJid(jid);
      if (chat === undefined || chat.user === '')
        return answer('general-error', '<rmr jid> is not a JID');
      if (isNewsletterJid(chat))
        return answer('general-error', 'newsletter media cannot be re-uploaded');
    }
    const encrypt = getChild(receipt, 'encrypt');
    const ciphertext = bytesOf(encrypt && getChild(encrypt, 'enc_p'));
    const iv = bytesOf(encrypt && getChild(encrypt, 'enc_iv'));
    if (ciphertext === undefined || iv === undefined) {
      return answer('general-error', 'receipt has no <encrypt><enc_p/><enc_iv/></encrypt>');
    }

    const media = this.#media.get(msgId);
    if (media === undefined) return answer('not-found', 'the phone does not have this media');
    if (media.chatJid !== undefined && rmr !== undefined && rmr.attrs.jid !== media.chatJid) {
      return answer('not-found', 'no such media in that chat');
    }
    const plaintext = openRetryPayload(media.mediaKey, msgId, ciphertext, iv);
    if (plaintext === undefined)
      return answer('decryption-error', 'enc_p does not open with the media key');
    let stanzaId: string | undefined;
    try {
      stanzaId = ServerErrorReceipt.decode(plaintext).stanzaId;
    } catch {
      return answer('decryption-error', 'enc_p is not a ServerErrorReceipt');
    }
    if (stanzaId !== msgId)
      return answer('decryption-error', 'ServerErrorReceipt.stanzaId is not the message id');

    // Re-upload: a new object with a new direct path, same bytes.
    const fresh = this.#store.put(media.bytes, media.route);
    this.#requests.push({ msgId, outcome: 'success', directPath: fresh.directPath });
    const sealed = sealRetryPayload(
      media.mediaKey,
      msgId,
      MediaRetryNotification.encode({
        stanzaId: msgId,
        directPath: fresh.directPath,
        result: MediaRetryNotification_ResultType.SUCCESS,
      }).finish(),
    );
    return this.#notification(msgId, ownJid, rmr, [
      {
        tag: 'encrypt',
        attrs: {},
        content: [
          { tag: 'enc_p', attrs: {}, content: sealed.ciphertext },
          { tag: 'enc_iv', attrs: {}, content: sealed.iv },
        ],
      },
    ]);
  }

  #notification(
    msgId: string,
    ownJid: string | undefined,
    rmr: BinaryNode | undefined,
    payload: BinaryNode[],
  ): BinaryNode {
    const attrs: Record<string, string> = {
      id: msgId,
      type: 'mediaretry',
      t: String(Math.floor(this.#clock.now() / 1000)),
    };
    if (ownJid !== undefined) attrs.from = jidWithoutDevice(ownJid);
    const content: BinaryNode[] = [];
    if (rmr !== undefined) content.push({ tag: 'rmr', attrs: { ...rmr.attrs } });
    content.push(...payload);
    return { tag: 'notification', attrs, content };
  }
}
