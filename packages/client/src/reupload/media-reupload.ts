// Media reupload (media retry, docs/protocol.md §5): ask the sender's phone to upload an
// expired blob again. The waiter for the notification is registered before the receipt is
// sent, so a fast answer is never missed. Only an answer for this message (id, chat and
// participant) that is readable counts: someone else's answer, or one that does not open with
// this media key, is passed over and the wait goes on.

import { decryptMediaRetry, encryptMediaRetry } from '@wa-media/crypto';
import {
  buildServerErrorReceipt,
  decodeMediaRetryNotification,
  encodeServerErrorReceipt,
  isMediaRetryNotificationFor,
  isNewsletterJid,
  type MediaSignaling,
  parseMediaRetryNotification,
} from '@wa-media/protocol';
import { isMediaClientError, MediaReuploadError } from '../errors.js';
import type { MediaReuploadResult } from './reupload-result.js';

export type { MediaReuploadResult } from './reupload-result.js';

/** Identifies the media message to re-upload. */
export interface MediaReuploadRequest {
  /** Id of the message that carried the media. */
  msgId: string;
  /** The chat the message is in. */
  chatJid: string;
  /** The message's 32-byte media key (secret). */
  mediaKey: Uint8Array;
  /** Whether we sent the message. */
  isFromMe: boolean;
  /** The sender, for group and broadcast messages. */
  participant?: string | undefined;
  /** History-sync media: the receipt has `category="peer"` and no `<rmr>`. @default false */
  historySync?: boolean | undefined;
  /** @default the client's `reuploadTimeoutMs` (30 s) */
  timeoutMs?: number | undefined;
  /** Aborts the wait (rejects with `MediaReuploadError` code `aborted`). */
  signal?: AbortSignal | undefined;
}

/** Where to re-request expired media from (automatic media reupload on 404/410 of a download). */
export type AutoReuploadOptions = Omit<MediaReuploadRequest, 'mediaKey' | 'signal'>;

/** One outcome of {@link MediaReupload.requestMany}. */
export type MediaReuploadSettled =
  | {
      /** The request's message id. */
      msgId: string;
      /** The phone answered (maybe with an error status). */
      ok: true;
      /** What it answered. */
      result: MediaReuploadResult;
    }
  | {
      /** The request's message id. */
      msgId: string;
      /** The request failed (timeout, signalling, …). */
      ok: false;
      /** Why. */
      error: MediaReuploadError;
    };

/** `client.mediaReupload`. */
export interface MediaReupload {
  /**
   * Ask the sender's phone to re-upload the media of one message; on `success`, download again
   * with the new `directPath` and the original key and hashes.
   * @throws {MediaReuploadError} `newsletter`, `not-logged-in`, `no-signaling`, `encryption`,
   * `timeout`, `aborted`, `invalid-request` or `signaling-failed`.
   * @example
   * ```ts
   * const result = await client.mediaReupload.request({ msgId, chatJid, mediaKey, isFromMe: false });
   * if (result.status === 'success') await client.downloadFromParams({ ...params, directPath: result.directPath });
   * ```
   */
  request(request: MediaReuploadRequest): Promise<MediaReuploadResult>;
  /**
   * Several requests with at most `concurrency` in flight; results in input order.
   * @throws {MediaReuploadError} `duplicate-id` (before sending anything) when two requests
   * share a message id.
   */
  requestMany(
    requests: readonly MediaReuploadRequest[],
    options?: { concurrency?: number },
  ): Promise<MediaReuploadSettled[]>;
}

/** The implementation behind `client.mediaReupload`. */
export class MediaReuploadImpl implements MediaReupload {
  readonly #signaling: MediaSignaling | undefined;
  readonly #timeoutMs: number;

  constructor(signaling: MediaSignaling | undefined, timeoutMs: number) {
    this.#signaling = signaling;
    this.#timeoutMs = timeoutMs;
  }

  async request(request: MediaReuploadRequest): Promise<MediaReuploadResult> {
    const { msgId, chatJid, mediaKey, isFromMe, participant, historySync } = request;
    const fail = (
      code: MediaReuploadError['code'],
      message: string,
      cause?: unknown,
    ): MediaReuploadError =>
      new MediaReuploadError(code, message, { msgId, ...(cause === undefined ? {} : { cause }) });
    if (typeof msgId !== 'string' || msgId === '')
      throw fail('invalid-request', 'msgId must be a non-empty string');
    const signaling = this.#signaling;
    if (signaling === undefined) throw fail('no-signaling', 'Media reupload needs signalling');
    if (typeof chatJid === 'string' && isNewsletterJid(chatJid)) {
      throw fail('newsletter', 'Newsletter (channel) media cannot be re-uploaded');
    }
    const ownJid = signaling.ownJid();
    if (ownJid === undefined)
      throw fail('not-logged-in', 'Not logged in: no own JID to send the request from');

    let receipt: ReturnType<typeof buildServerErrorReceipt>;
    try {
      const sealed = encryptMediaRetry({
        mediaKey,
        messageId: msgId,
        plaintext: encodeServerErrorReceipt(msgId),
      });
      receipt = buildServerErrorReceipt({
        msgId,
        ownJid,
        chatJid,
        isFromMe,
        participant,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
        historySync,
      });
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (/Jid|InvalidArgument/.test(name))
        throw fail('invalid-request', `Invalid request: ${(error as Error).message}`, error);
      throw fail(
        'encryption',
        'Sealing the media retry request failed (is the media key 32 bytes?)',
        error,
      );
    }

    // Our own timer (not the signalling's) so a timeout is always a typed `timeout`.
    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const controller = new AbortController();
    const timedOut = Symbol('timeout');
    const timer = setTimeout(() => controller.abort(timedOut), timeoutMs);
    const onCallerAbort = (): void => controller.abort(request.signal?.reason);
    request.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (request.signal?.aborted) controller.abort(request.signal.reason);
    try {
      const forThisMessage = isMediaRetryNotificationFor(msgId, { chatJid, participant });
      let answer: MediaReuploadResult | undefined;
      const waiting = signaling.waitFor(
        (node) => {
          if (!forThisMessage(node)) return false;
          answer = answerOf(node, request);
          return answer !== undefined;
        },
        { signal: controller.signal, timeoutMs: timeoutMs + 1000 },
      );
      waiting.catch(() => {});
      try {
        await signaling.send(receipt);
      } catch (error) {
        controller.abort(error);
        throw fail('signaling-failed', 'Sending the media retry receipt failed', error);
      }
      try {
        await waiting;
      } catch (error) {
        if (
          controller.signal.reason === timedOut ||
          /timeout/i.test(String((error as { code?: string }).code))
        ) {
          throw fail('timeout', `No media retry answer within ${timeoutMs} ms`, error);
        }
        if (request.signal?.aborted)
          throw fail('aborted', 'Media reupload aborted', request.signal.reason);
        throw fail('signaling-failed', 'Waiting for the media retry answer failed', error);
      }
      // Set by the matcher that resolved the wait.
      return answer as MediaReuploadResult;
    } catch (error) {
      if (isMediaClientError(error)) throw error;
      throw fail('signaling-failed', 'Media reupload failed', error);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  async requestMany(
    requests: readonly MediaReuploadRequest[],
    options: { concurrency?: number } = {},
  ): Promise<MediaReuploadSettled[]> {
    const seen = new Set<string>();
    for (const request of requests) {
      if (seen.has(request.msgId)) {
        throw new MediaReuploadError(
          'duplicate-id',
          `Duplicate message id ${JSON.stringify(request.msgId)}`,
          {
            msgId: request.msgId,
          },
        );
      }
      seen.add(request.msgId);
    }
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
    const results: MediaReuploadSettled[] = new Array(requests.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const index = next++;
        const request = requests[index] as MediaReuploadRequest;
        try {
          results[index] = { msgId: request.msgId, ok: true, result: await this.request(request) };
        } catch (error) {
          const typed =
            error instanceof MediaReuploadError
              ? error
              : new MediaReuploadError('signaling-failed', 'Media reupload failed', {
                  msgId: request.msgId,
                  cause: error,
                });
          results[index] = { msgId: request.msgId, ok: false, error: typed };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
    return results;
  }
}

/**
 * The result a notification carries for `request`, or undefined when it cannot be this
 * message's answer: malformed, or sealed with another key (only the sender's phone knows the
 * media key, so an answer that does not open is not from it).
 */
function answerOf(
  node: Parameters<typeof parseMediaRetryNotification>[0],
  request: MediaReuploadRequest,
): MediaReuploadResult | undefined {
  let stanza: ReturnType<typeof parseMediaRetryNotification>;
  try {
    stanza = parseMediaRetryNotification(node);
  } catch {
    return undefined;
  }
  if (stanza.result.kind === 'error') {
    const code = stanza.result.code;
    return { status: code === 2 ? 'not-found' : code === 3 ? 'decryption-error' : 'general-error' };
  }
  let decoded: ReturnType<typeof decodeMediaRetryNotification>;
  try {
    const plaintext = decryptMediaRetry({
      mediaKey: request.mediaKey,
      messageId: request.msgId,
      ciphertext: stanza.result.ciphertext,
      iv: stanza.result.iv,
    });
    decoded = decodeMediaRetryNotification(plaintext);
  } catch {
    return undefined;
  }
  if (decoded.result === 'success') {
    if (decoded.directPath === undefined || !decoded.directPath.startsWith('/'))
      return { status: 'general-error' };
    return { status: 'success', directPath: decoded.directPath };
  }
  return { status: decoded.result };
}
