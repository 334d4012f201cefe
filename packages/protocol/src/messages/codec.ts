import { InvalidArgumentError } from '../errors.js';
import {
  ExternalBlobReference,
  HistorySyncNotification,
  Message,
} from '../generated/wa_media.pb.js';
import { sortFieldsByNumber } from '../internal/field-order.js';
import { decodeStrict } from '../internal/proto-codec.js';

/**
 * Encode a `Message`. Fields this package does not model but that were decoded (they live in
 * each object's `_unknownFields`) are written back byte for byte, and every level is written
 * in field-number order, so `encodeMessage(decodeMessage(bytes))` returns `bytes` unchanged for
 * any input in that (the usual) order. Prefer it to the raw `Message.encode`, which appends
 * unknown fields after the modelled ones.
 * @throws {InvalidArgumentError} when a 64-bit field is not an in-range bigint, or hand-written
 * `_unknownFields` are not valid wire data.
 */
export function encodeMessage(message: Message): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Message.encode(message).finish();
  } catch (error) {
    // ts-proto rejects 64-bit fields that are not in-range bigints (e.g. a Long or number).
    throw new InvalidArgumentError(
      'message',
      `cannot be encoded (${(error as Error)?.message}); 64-bit fields must be bigint, Message.fromPartial converts numbers and strings`,
      { cause: error },
    );
  }
  try {
    return sortFieldsByNumber(bytes, 'Message');
  } catch (error) {
    // Only reachable with hand-written `_unknownFields` that are not valid wire data.
    throw new InvalidArgumentError('message', '_unknownFields hold malformed wire data', {
      cause: error,
    });
  }
}

/**
 * Decode a `Message`, keeping every field it does not model (`contextInfo`, text messages, …)
 * in `_unknownFields` so that {@link encodeMessage} writes them back.
 * @throws {ProtobufDecodeError} when `bytes` is not a complete, valid `Message`.
 */
export function decodeMessage(bytes: Uint8Array): Message {
  return decodeStrict(Message, 'Message', bytes);
}

/**
 * Decode a `HistorySyncNotification`.
 * @throws {ProtobufDecodeError} when `bytes` is not a complete, valid message.
 */
export function decodeHistorySyncNotification(bytes: Uint8Array): HistorySyncNotification {
  return decodeStrict(HistorySyncNotification, 'HistorySyncNotification', bytes);
}

/**
 * Decode an app-state `ExternalBlobReference`.
 * @throws {ProtobufDecodeError} when `bytes` is not a complete, valid message.
 */
export function decodeExternalBlobReference(bytes: Uint8Array): ExternalBlobReference {
  return decodeStrict(ExternalBlobReference, 'ExternalBlobReference', bytes);
}
