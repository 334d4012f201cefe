import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ProtobufDecodeError } from '../errors.js';
import { checkWireStructure } from './wire-check.js';

/** The part of a ts-proto message object this module needs. */
export interface ProtoDecoder<T> {
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

/**
 * Decode `bytes` completely or throw: the wire structure is checked first (see
 * {@link checkWireStructure}) because ts-proto's decoders stop silently at a zero tag or a stray
 * end-group and return what they had, which would pass a partial message off as whole.
 */
export function decodeStrict<T>(fns: ProtoDecoder<T>, messageType: string, bytes: Uint8Array): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtobufDecodeError(messageType, 'input must be a Uint8Array');
  }
  // Decoded bytes fields and unknown fields are views into the reader's buffer; decoding a
  // private copy keeps them valid when the caller reuses its buffer (socket pools do).
  const own = new Uint8Array(bytes); // copies (Buffer#slice would only make a view)
  const reader = new BinaryReader(own);
  let message: T;
  try {
    checkWireStructure(own, messageType);
    message = fns.decode(reader);
  } catch (error) {
    throw new ProtobufDecodeError(messageType, (error as Error)?.message ?? 'invalid wire data', {
      cause: error,
    });
  }
  if (reader.pos !== reader.len) {
    throw new ProtobufDecodeError(
      messageType,
      `stopped at byte ${reader.pos} of ${reader.len} (invalid tag or stray end-group)`,
    );
  }
  return message;
}
