/**
 * Every error this package throws is a {@link ProtocolError} with a machine-readable `code`.
 * Messages name the tag, attribute or parameter at fault but never print attribute values,
 * reply bodies or URLs: media_conn `auth`, upload tokens and signed CDN queries are secrets.
 */

/** The `code` of a {@link ProtocolError}. */
export type ProtocolErrorCode =
  | 'invalid-jid'
  | 'invalid-argument'
  | 'invalid-node'
  | 'missing-child'
  | 'missing-attribute'
  | 'invalid-attribute'
  | 'invalid-content'
  | 'iq-error'
  | 'malformed-media-conn'
  | 'malformed-media-retry'
  | 'malformed-upload-reply'
  | 'malformed-protobuf';

/** Options accepted by every error constructor of this package. */
export interface ProtocolErrorOptions {
  /** The error that caused this one, kept as `error.cause`. */
  cause?: unknown;
}

/** Base class of every error thrown by `@wa-media/protocol`. */
export class ProtocolError extends Error {
  /** The class name, so errors stay recognisable after crossing package copies or JSON. */
  override name = 'ProtocolError';
  /** What went wrong, stable across versions; test this rather than the message. */
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options: ProtocolErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
  }
}

/** A string that is not a valid JID. JIDs are not secret, so the offending `input` is kept. */
export class InvalidJidError extends ProtocolError {
  /** Always `'InvalidJidError'`. */
  override name = 'InvalidJidError';
  /** The string that failed to parse. */
  readonly input: string;

  constructor(input: string, reason: string, options: ProtocolErrorOptions = {}) {
    super('invalid-jid', `Invalid JID ${JSON.stringify(input)}: ${reason}`, options);
    this.input = input;
  }
}

/** A builder was called with a value it cannot encode (names the parameter). */
export class InvalidArgumentError extends ProtocolError {
  /** Always `'InvalidArgumentError'`. */
  override name = 'InvalidArgumentError';
  /** The name of the parameter at fault, e.g. `'iv'` or `'directPath'`. */
  readonly parameter: string;

  constructor(parameter: string, message: string, options: ProtocolErrorOptions = {}) {
    super('invalid-argument', `Invalid ${parameter}: ${message}`, options);
    this.parameter = parameter;
  }
}

/**
 * A {@link BinaryNode} is malformed (`'invalid-node'`: not an object with a string `tag` and an
 * `attrs` record) or lacks a required child, attribute or content.
 */
export class BinaryNodeError extends ProtocolError {
  /** Always `'BinaryNodeError'`. */
  override name = 'BinaryNodeError';
  /** Tag of the node that was inspected (`'?'` when it has no string tag). */
  readonly tag: string;
  /** The attribute or child tag that was missing or invalid, if any. */
  readonly field: string | undefined;

  constructor(
    code:
      | 'invalid-node'
      | 'missing-child'
      | 'missing-attribute'
      | 'invalid-attribute'
      | 'invalid-content',
    tag: string,
    field: string | undefined,
    message: string,
    options: ProtocolErrorOptions = {},
  ) {
    super(code, message, options);
    this.tag = tag;
    this.field = field;
  }
}

/**
 * The media_conn reply could not be used: the server answered with an error IQ
 * (`code: 'iq-error'`, with `errorCode` / `errorText` from its `<error>` child) or the reply is
 * malformed (`code: 'malformed-media-conn'`). Never contains the `auth` token.
 */
export class MediaConnError extends ProtocolError {
  /** Always `'MediaConnError'`. */
  override name = 'MediaConnError';
  /** The `code` attribute of the server's `<error>` child, for `'iq-error'`. */
  readonly errorCode: number | undefined;
  /** The `text` attribute of the server's `<error>` child, for `'iq-error'`. */
  readonly errorText: string | undefined;

  constructor(
    code: 'iq-error' | 'malformed-media-conn',
    message: string,
    options: ProtocolErrorOptions & { errorCode?: number; errorText?: string } = {},
  ) {
    super(code, message, options);
    this.errorCode = options.errorCode;
    this.errorText = options.errorText;
  }
}

/** A `mediaretry` notification that cannot be interpreted. */
export class MediaRetryError extends ProtocolError {
  /** Always `'MediaRetryError'`. */
  override name = 'MediaRetryError';

  constructor(message: string, options: ProtocolErrorOptions = {}) {
    super('malformed-media-retry', message, options);
  }
}

/** The CDN's upload reply is not the expected JSON (the body is not quoted: it holds URLs). */
export class UploadReplyError extends ProtocolError {
  /** Always `'UploadReplyError'`. */
  override name = 'UploadReplyError';

  constructor(message: string, options: ProtocolErrorOptions = {}) {
    super('malformed-upload-reply', message, options);
  }
}

/** Bytes that do not decode as the expected protobuf message. */
export class ProtobufDecodeError extends ProtocolError {
  /** Always `'ProtobufDecodeError'`. */
  override name = 'ProtobufDecodeError';
  /** Schema name of the message that was being decoded, e.g. `'Message'`. */
  readonly messageType: string;

  constructor(messageType: string, message: string, options: ProtocolErrorOptions = {}) {
    super('malformed-protobuf', `Cannot decode ${messageType}: ${message}`, options);
    this.messageType = messageType;
  }
}

function hasName(error: unknown, name: string): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === name &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** True for any error thrown by this package (also across duplicated package copies). */
export function isProtocolError(error: unknown): error is ProtocolError {
  return (
    error instanceof ProtocolError ||
    [
      'ProtocolError',
      'InvalidJidError',
      'InvalidArgumentError',
      'BinaryNodeError',
      'MediaConnError',
      'MediaRetryError',
      'UploadReplyError',
      'ProtobufDecodeError',
    ].some((name) => hasName(error, name))
  );
}

/** True for an {@link InvalidJidError}. */
export function isInvalidJidError(error: unknown): error is InvalidJidError {
  return error instanceof InvalidJidError || hasName(error, 'InvalidJidError');
}

/** True for an {@link InvalidArgumentError}. */
export function isInvalidArgumentError(error: unknown): error is InvalidArgumentError {
  return error instanceof InvalidArgumentError || hasName(error, 'InvalidArgumentError');
}

/** True for a {@link BinaryNodeError}. */
export function isBinaryNodeError(error: unknown): error is BinaryNodeError {
  return error instanceof BinaryNodeError || hasName(error, 'BinaryNodeError');
}

/** True for a {@link MediaConnError}. */
export function isMediaConnError(error: unknown): error is MediaConnError {
  return error instanceof MediaConnError || hasName(error, 'MediaConnError');
}

/** True for a {@link MediaRetryError}. */
export function isMediaRetryError(error: unknown): error is MediaRetryError {
  return error instanceof MediaRetryError || hasName(error, 'MediaRetryError');
}

/** True for an {@link UploadReplyError}. */
export function isUploadReplyError(error: unknown): error is UploadReplyError {
  return error instanceof UploadReplyError || hasName(error, 'UploadReplyError');
}

/** True for a {@link ProtobufDecodeError}. */
export function isProtobufDecodeError(error: unknown): error is ProtobufDecodeError {
  return error instanceof ProtobufDecodeError || hasName(error, 'ProtobufDecodeError');
}
