import { describe, expect, it } from 'vitest';
import {
  BinaryNodeError,
  InvalidArgumentError,
  InvalidJidError,
  isBinaryNodeError,
  isInvalidArgumentError,
  isInvalidJidError,
  isMediaConnError,
  isMediaRetryError,
  isProtobufDecodeError,
  isProtocolError,
  isUploadReplyError,
  MediaConnError,
  MediaRetryError,
  ProtobufDecodeError,
  ProtocolError,
  UploadReplyError,
} from './errors.js';

const samples = [
  [new InvalidJidError('x@', 'empty'), isInvalidJidError, 'InvalidJidError', 'invalid-jid'],
  [
    new InvalidArgumentError('iv', 'bad'),
    isInvalidArgumentError,
    'InvalidArgumentError',
    'invalid-argument',
  ],
  [
    new BinaryNodeError('missing-child', 'iq', 'x', 'm'),
    isBinaryNodeError,
    'BinaryNodeError',
    'missing-child',
  ],
  [new MediaConnError('iq-error', 'm'), isMediaConnError, 'MediaConnError', 'iq-error'],
  [new MediaRetryError('m'), isMediaRetryError, 'MediaRetryError', 'malformed-media-retry'],
  [new UploadReplyError('m'), isUploadReplyError, 'UploadReplyError', 'malformed-upload-reply'],
  [
    new ProtobufDecodeError('Message', 'm'),
    isProtobufDecodeError,
    'ProtobufDecodeError',
    'malformed-protobuf',
  ],
] as const;

describe('error hierarchy', () => {
  it.each(samples)('%s has its name, code and guard', (error, guard, name, code) => {
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(guard(error)).toBe(true);
    expect(isProtocolError(error)).toBe(true);
    // Guards also accept a structurally identical error from another copy of the package.
    const foreign = Object.assign(new Error(error.message), { name, code });
    expect(guard(foreign)).toBe(true);
    expect(isProtocolError(foreign)).toBe(true);
  });

  it('guards reject other errors and values', () => {
    for (const [, guard] of samples) {
      expect(guard(new Error('x'))).toBe(false);
      expect(guard(null)).toBe(false);
      expect(guard({ name: 'MediaConnError' })).toBe(false);
    }
    expect(isMediaConnError(new MediaRetryError('m'))).toBe(false);
    expect(isProtocolError(new TypeError('x'))).toBe(false);
  });

  it('keeps the cause and the offending input', () => {
    const cause = new Error('inner');
    const error = new ProtobufDecodeError('Message', 'bad', { cause });
    expect(error.cause).toBe(cause);
    expect(error.messageType).toBe('Message');
    expect(new ProtocolError('invalid-jid', 'm').cause).toBeUndefined();
    const jidError = new InvalidJidError('a@@b', 'two @');
    expect(jidError.input).toBe('a@@b');
    expect(jidError.message).toBe('Invalid JID "a@@b": two @');
    expect(new InvalidArgumentError('iv', 'must be 12 bytes').parameter).toBe('iv');
  });
});
