import { InvalidArgumentError } from '../errors.js';
import {
  MediaRetryNotification,
  MediaRetryNotification_ResultType,
  ServerErrorReceipt,
} from '../generated/wa_media.pb.js';
import { decodeStrict } from '../internal/proto-codec.js';

/** `MediaRetryNotification.ResultType` as a readable string. */
export type MediaRetryResult = 'success' | 'general-error' | 'not-found' | 'decryption-error';

/** A decoded `MediaRetryNotification` (the plaintext of the phone's encrypted answer). */
export interface DecodedMediaRetryNotification {
  /** Id of the message the answer is about (check it against the request). */
  stanzaId?: string;
  /** The new direct path, on success. */
  directPath?: string;
  /** What the phone did. */
  result: MediaRetryResult;
  /** The raw ResultType number (unknown values map to `'general-error'`). */
  resultCode: number;
  /** The message secret, when the phone sent it along. */
  messageSecret?: Uint8Array;
}

/** Map a `ResultType` number (also `<error code>`) to {@link MediaRetryResult}; unknown → general. */
export function mediaRetryResultFromCode(code: number): MediaRetryResult {
  switch (code) {
    case MediaRetryNotification_ResultType.SUCCESS:
      return 'success';
    case MediaRetryNotification_ResultType.NOT_FOUND:
      return 'not-found';
    case MediaRetryNotification_ResultType.DECRYPTION_ERROR:
      return 'decryption-error';
    default:
      return 'general-error';
  }
}

/**
 * The plaintext of a media retry request: `ServerErrorReceipt { stanzaId }`, to be sealed with
 * crypto's media-retry GCM (AAD = the message id).
 * @throws {InvalidArgumentError} for an empty `stanzaId`.
 */
export function encodeServerErrorReceipt(stanzaId: string): Uint8Array {
  if (typeof stanzaId !== 'string' || stanzaId === '') {
    throw new InvalidArgumentError('stanzaId', 'must be a non-empty string');
  }
  return ServerErrorReceipt.encode({ stanzaId }).finish();
}

/**
 * Decode the opened plaintext of a mediaretry answer.
 * @throws {ProtobufDecodeError} when `bytes` is not a valid `MediaRetryNotification`.
 */
export function decodeMediaRetryNotification(bytes: Uint8Array): DecodedMediaRetryNotification {
  const message = decodeStrict(MediaRetryNotification, 'MediaRetryNotification', bytes);
  const resultCode = message.result ?? MediaRetryNotification_ResultType.GENERAL_ERROR;
  const decoded: DecodedMediaRetryNotification = {
    result: mediaRetryResultFromCode(resultCode),
    resultCode,
  };
  if (message.stanzaId !== undefined) decoded.stanzaId = message.stanzaId;
  if (message.directPath !== undefined) decoded.directPath = message.directPath;
  if (message.messageSecret !== undefined) decoded.messageSecret = message.messageSecret;
  return decoded;
}
