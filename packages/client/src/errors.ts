// The client's error hierarchy. Every message is built from redacted parts: no media key,
// auth token, signed query (oh/oe/auth) or Authorization header ever reaches a message, a
// stack or a serialized error. Integrity failures keep crypto's MediaIntegrityError as cause.

import { redactUrl } from '@wa-media/transport';
import type { MediaReuploadResult } from './reupload/reupload-result.js';

/** Every `code` a {@link MediaClientError} can carry. */
export type MediaClientErrorCode =
  | MediaDownloadErrorCode
  | MediaUploadErrorCode
  | MediaReuploadErrorCode
  | MediaConnFetchErrorCode
  | TransferStateErrorCode
  | 'no-media'
  | 'unsupported-message'
  | 'invalid-argument'
  | 'signaling-timeout'
  | 'cancelled';

/** Options shared by every error constructor. */
export interface MediaClientErrorOptions {
  /** The underlying error (kept as `cause`). */
  cause?: unknown;
}

/** Base class of every error this package throws. Check with {@link isMediaClientError}. */
export class MediaClientError extends Error {
  /** The class name (this or a subclass's): what the `isXxx` guards check across copies. */
  override name: string = 'MediaClientError';
  /** Machine-readable reason. */
  readonly code: MediaClientErrorCode;

  constructor(code: MediaClientErrorCode, message: string, options: MediaClientErrorOptions = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
  }

  /** A plain object for logs and `JSON.stringify` (already redacted). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    for (const [key, value] of Object.entries(this)) {
      if (key !== 'cause' && value !== undefined) out[key] = value;
    }
    if (this.cause !== undefined) out.cause = describeCause(this.cause);
    return out;
  }
}

function describeCause(cause: unknown): unknown {
  if (cause instanceof Error) {
    const json = (cause as { toJSON?: () => unknown }).toJSON;
    if (typeof json === 'function') return json.call(cause);
    return { name: cause.name, message: cause.message, code: (cause as { code?: unknown }).code };
  }
  return cause;
}

function hasName(error: unknown, names: readonly string[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    names.includes(String((error as { name?: unknown }).name)) &&
    'code' in error
  );
}

/** One try of one URL during a download or upload. */
export interface TransferAttempt {
  /** The URL tried, with its credentials and signed query redacted. */
  readonly url: string;
  /** HTTP status, when the server answered. */
  readonly status?: number;
  /** What went wrong (an `HttpError`, a `MediaIntegrityError`, …). */
  readonly error: unknown;
}

/** Why a download failed. */
export type MediaDownloadErrorCode =
  /** Every host was tried and none gave verified bytes (see `attempts`). */
  | 'all-hosts-failed'
  /** 401/403 again after the one credential refresh. */
  | 'auth-failed'
  /** 404/410 after the refresh (and after media reupload, when configured). */
  | 'media-not-found'
  /** 403 after the refresh: an expired URL (and after media reupload, when configured). */
  | 'media-expired'
  /** The writer or stream cannot be rewound, but a restart from byte 0 was needed. */
  | 'not-rewindable'
  /** The message's media fields are incomplete (no direct path, key or hash). */
  | 'missing-media-fields'
  /** The writer / sink threw (write, seek, truncate or close): see `cause`. Never a CDN failure. */
  | 'writer-failed'
  /**
   * The CDN sent more than the blob can be: `encryptedLength(fileLength)` when the length is
   * known, else the client's `maxBytes`. The transfer was ended (nothing past the bound kept).
   */
  | 'too-large'
  /** 404/410 and automatic reupload: the sender's phone no longer has the media (`reupload`). */
  | 'reupload-not-found'
  /** 404/410 and automatic reupload: the phone could not open the request (wrong media key). */
  | 'reupload-decryption-error'
  /** 404/410 and automatic reupload: the phone answered with a general error. */
  | 'reupload-general-error';

/** A download failed. `attempts` lists every URL tried and why it failed. */
export class MediaDownloadError extends MediaClientError {
  /** Always `'MediaDownloadError'`. */
  override name: string = 'MediaDownloadError';
  declare readonly code: MediaDownloadErrorCode;
  /** Each try, oldest first. */
  readonly attempts: readonly TransferAttempt[];
  /** The last HTTP status seen, if any. */
  readonly status: number | undefined;
  /** What the sender's phone answered, for the `reupload-*` codes. */
  readonly reupload: MediaReuploadResult | undefined;
  /**
   * The last failure's `Retry-After`, in ms, when it had one (e.g. a 503 asking for longer than
   * `retry.maxDelayMs`, which is not waited for): when to try again.
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: MediaDownloadErrorCode,
    message: string,
    options: MediaClientErrorOptions & {
      attempts?: readonly TransferAttempt[];
      reupload?: MediaReuploadResult;
      retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(code, message, options);
    this.attempts = options.attempts ?? [];
    this.retryAfterMs = options.retryAfterMs ?? retryAfterOf(this.attempts.at(-1)?.error);
    this.status = [...this.attempts].reverse().find((a) => a.status !== undefined)?.status;
    this.reupload = options.reupload;
  }
}

/** Why an upload failed. */
export type MediaUploadErrorCode =
  | 'all-hosts-failed'
  | 'auth-failed'
  /** No signalling: uploads need a media_conn auth token. */
  | 'no-signaling'
  /** The source could not be read (or changed between the hashing and the upload pass). */
  | 'source-failed'
  /** The CDN answered 2xx with a reply that is not a valid upload reply. */
  | 'bad-reply'
  /** A sticker-pack thumbnail with a key other than its pack's. */
  | 'key-mismatch';

/** An upload failed. `attempts` lists every URL tried (redacted) and why. */
export class MediaUploadError extends MediaClientError {
  /** Always `'MediaUploadError'`. */
  override name: string = 'MediaUploadError';
  declare readonly code: MediaUploadErrorCode;
  /** Every URL tried (redacted), in order, with its error. */
  readonly attempts: readonly TransferAttempt[];
  /**
   * The last failure's `Retry-After`, in ms, when it had one (e.g. a 503 asking for longer than
   * `retry.maxDelayMs`, which is not waited for): when to try again.
   */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: MediaUploadErrorCode,
    message: string,
    options: MediaClientErrorOptions & {
      attempts?: readonly TransferAttempt[];
      retryAfterMs?: number | undefined;
    } = {},
  ) {
    super(code, message, options);
    this.attempts = options.attempts ?? [];
    this.retryAfterMs = options.retryAfterMs ?? retryAfterOf(this.attempts.at(-1)?.error);
  }
}

/** `retryAfterMs` of a transport HTTP status error (by shape: errors may come from copies). */
function retryAfterOf(error: unknown): number | undefined {
  const value = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Why a media reupload (media retry) request could not be made or answered. */
export type MediaReuploadErrorCode =
  /** Newsletter (channel) media cannot be re-uploaded. */
  | 'newsletter'
  /** No notification within the timeout (30 s by default). */
  | 'timeout'
  /** Sealing the request failed (bad media key). */
  | 'encryption'
  /** The signalling connection has no own JID. */
  | 'not-logged-in'
  /** The client has no signalling. */
  | 'no-signaling'
  /** `requestMany` got the same message id twice. */
  | 'duplicate-id'
  /** The request parameters are malformed (empty id, bad JID). */
  | 'invalid-request'
  /** Sending the receipt failed or the notification was malformed. */
  | 'signaling-failed'
  /** The caller's signal aborted the wait. */
  | 'aborted';

/** A media reupload request failed before the phone gave a result. */
export class MediaReuploadError extends MediaClientError {
  /** Always `'MediaReuploadError'`. */
  override name: string = 'MediaReuploadError';
  declare readonly code: MediaReuploadErrorCode;
  /** The message id the request was for. */
  readonly msgId: string | undefined;

  constructor(
    code: MediaReuploadErrorCode,
    message: string,
    options: MediaClientErrorOptions & { msgId?: string } = {},
  ) {
    super(code, message, options);
    this.msgId = options.msgId;
  }
}

/** Why the media connection could not be obtained. */
export type MediaConnFetchErrorCode = 'no-signaling' | 'query-failed';

/** The media_conn query failed or there is no signalling to send it. */
export class MediaConnFetchError extends MediaClientError {
  /** Always `'MediaConnFetchError'`. */
  override name: string = 'MediaConnFetchError';
  declare readonly code: MediaConnFetchErrorCode;
}

/** The message carries no downloadable media (or no server-hosted thumbnail when asked). */
export class NoMediaError extends MediaClientError {
  /** Always `'NoMediaError'`. */
  override name: string = 'NoMediaError';
  declare readonly code: 'no-media';

  constructor(message: string, options: MediaClientErrorOptions = {}) {
    super('no-media', message, options);
  }
}

/** The message (or input) is of a kind this operation does not handle. */
export class UnsupportedMessageError extends MediaClientError {
  /** Always `'UnsupportedMessageError'`. */
  override name: string = 'UnsupportedMessageError';
  declare readonly code: 'unsupported-message';

  constructor(message: string, options: MediaClientErrorOptions = {}) {
    super('unsupported-message', message, options);
  }
}

/** Why a transfer control call was refused. */
export type TransferStateErrorCode =
  /** The transfer already succeeded, failed or was cancelled (`state` says which). */
  | 'transfer-ended'
  /** No transfer with that id. */
  | 'unknown-transfer'
  /** Another active transfer already uses that id. */
  | 'duplicate-transfer'
  /**
   * A transfer with that id has ended but is still unwinding: typically cancelled while stuck in
   * the caller's code (a writer's `write`), whose cleanups run once that returns.
   */
  | 'transfer-id-in-use';

/** A pause / resume / cancel that cannot apply. */
export class TransferStateError extends MediaClientError {
  /** Always `'TransferStateError'`. */
  override name: string = 'TransferStateError';
  declare readonly code: TransferStateErrorCode;
  /** The transfer id acted on. */
  readonly transferId: string;
  /** The transfer's final state, for `transfer-ended`. */
  readonly state: string | undefined;

  constructor(
    code: TransferStateErrorCode,
    transferId: string,
    options: { state?: string } & MediaClientErrorOptions = {},
  ) {
    const message =
      code === 'transfer-ended'
        ? `Transfer ${JSON.stringify(transferId)} has already ended (${options.state})`
        : code === 'unknown-transfer'
          ? `No transfer with id ${JSON.stringify(transferId)}`
          : code === 'transfer-id-in-use'
            ? `Transfer ${JSON.stringify(transferId)} has ended but is still unwinding; retry once it has`
            : `A transfer with id ${JSON.stringify(transferId)} is already active`;
    super(code, message, options);
    this.transferId = transferId;
    this.state = options.state;
  }
}

/** The transfer was cancelled (`transfer.cancel()`, `transfers.cancel(id)` or the caller's signal). */
export class TransferCancelledError extends MediaClientError {
  /** Always `'TransferCancelledError'`. */
  override name: string = 'TransferCancelledError';
  declare readonly code: 'cancelled';
  /** Id of the cancelled transfer. */
  readonly transferId: string;

  constructor(transferId: string, options: MediaClientErrorOptions = {}) {
    super('cancelled', `Transfer ${JSON.stringify(transferId)} was cancelled`, options);
    this.transferId = transferId;
  }
}

/**
 * A signalling query or wait got no answer in time (thrown by `fromBaileysSocket`'s adapter;
 * the client turns it into `MediaConnFetchError` / `MediaReuploadError` `timeout` with it as cause).
 */
export class SignalingTimeoutError extends MediaClientError {
  /** Always `'SignalingTimeoutError'`. */
  override name: string = 'SignalingTimeoutError';
  declare readonly code: 'signaling-timeout';

  constructor(message: string, options: MediaClientErrorOptions = {}) {
    super('signaling-timeout', message, options);
  }
}

/** `true` for {@link SignalingTimeoutError}. */
export function isSignalingTimeoutError(error: unknown): error is SignalingTimeoutError {
  return error instanceof SignalingTimeoutError || hasName(error, ['SignalingTimeoutError']);
}

/** A caller passed a malformed argument; the message names the parameter. */
export class ClientArgumentError extends MediaClientError {
  /** Always `'ClientArgumentError'`. */
  override name: string = 'ClientArgumentError';
  declare readonly code: 'invalid-argument';
  /** The argument at fault (e.g. `'options.id'`). */
  readonly parameter: string;

  constructor(parameter: string, problem: string, options: MediaClientErrorOptions = {}) {
    super('invalid-argument', `${parameter} ${problem}`, options);
    this.parameter = parameter;
  }
}

const allNames = [
  'MediaClientError',
  'MediaDownloadError',
  'MediaUploadError',
  'MediaReuploadError',
  'MediaConnFetchError',
  'NoMediaError',
  'UnsupportedMessageError',
  'TransferStateError',
  'TransferCancelledError',
  'ClientArgumentError',
  'SignalingTimeoutError',
];

/** `true` for any error of this package (also across realms / duplicate copies, by `name`). */
export function isMediaClientError(error: unknown): error is MediaClientError {
  return error instanceof MediaClientError || hasName(error, allNames);
}
/** `true` for {@link MediaDownloadError}. */
export function isMediaDownloadError(error: unknown): error is MediaDownloadError {
  return error instanceof MediaDownloadError || hasName(error, ['MediaDownloadError']);
}
/** `true` for {@link MediaUploadError}. */
export function isMediaUploadError(error: unknown): error is MediaUploadError {
  return error instanceof MediaUploadError || hasName(error, ['MediaUploadError']);
}
/** `true` for {@link MediaReuploadError}. */
export function isMediaReuploadError(error: unknown): error is MediaReuploadError {
  return error instanceof MediaReuploadError || hasName(error, ['MediaReuploadError']);
}
/** `true` for {@link TransferStateError}. */
export function isTransferStateError(error: unknown): error is TransferStateError {
  return error instanceof TransferStateError || hasName(error, ['TransferStateError']);
}
/** `true` for {@link TransferCancelledError}. */
export function isTransferCancelledError(error: unknown): error is TransferCancelledError {
  return error instanceof TransferCancelledError || hasName(error, ['TransferCancelledError']);
}
/** `true` for {@link MediaConnFetchError}. */
export function isMediaConnFetchError(error: unknown): error is MediaConnFetchError {
  return error instanceof MediaConnFetchError || hasName(error, ['MediaConnFetchError']);
}
/** `true` for {@link UnsupportedMessageError}. */
export function isUnsupportedMessageError(error: unknown): error is UnsupportedMessageError {
  return error instanceof UnsupportedMessageError || hasName(error, ['UnsupportedMessageError']);
}
/** `true` for {@link ClientArgumentError}. */
export function isClientArgumentError(error: unknown): error is ClientArgumentError {
  return error instanceof ClientArgumentError || hasName(error, ['ClientArgumentError']);
}
/** `true` for {@link NoMediaError}. */
export function isNoMediaError(error: unknown): error is NoMediaError {
  return error instanceof NoMediaError || hasName(error, ['NoMediaError']);
}

/** A URL safe to show: credentials and signed query values replaced. */
export function safeUrl(url: string): string {
  try {
    return redactUrl(url);
  } catch {
    return '[unparsable url]';
  }
}
