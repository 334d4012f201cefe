/** What went wrong, as a stable string a caller can switch on. */
export type MediaStoreErrorCode =
  /** No media with that id (never registered, or deleted). */
  | 'not-found'
  /** The media exists but its bytes are not stored (yet): pending, downloading or failed. */
  | 'not-downloaded'
  /** An argument is malformed: the message names it. */
  | 'invalid-argument'
  /** The same (chatJid, msgId) was registered before with different media. */
  | 'conflict'
  /** The store was closed. */
  | 'closed'
  /** Another live process (or another store in this one) has the data directory open. */
  | 'locked';

/** Options shared by every store error. */
export interface MediaStoreErrorOptions {
  /** The error that caused this one, kept as `error.cause`. */
  cause?: unknown;
}

/**
 * Base class of every error this package throws. Messages never contain media keys, tokens or
 * signed URL queries.
 */
export class MediaStoreError extends Error {
  /** The class name (`MediaStoreError` or a subclass's), what the guards check across copies. */
  override name = 'MediaStoreError';
  /** What went wrong; see {@link MediaStoreErrorCode}. */
  readonly code: MediaStoreErrorCode;

  constructor(code: MediaStoreErrorCode, message: string, options: MediaStoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** No media with this id. */
export class MediaNotFoundError extends MediaStoreError {
  /** Always `'MediaNotFoundError'`. */
  override name = 'MediaNotFoundError';
  /** The id that was asked for. */
  readonly id: string;

  constructor(id: string) {
    super('not-found', `no media with id ${JSON.stringify(id)}`);
    this.id = id;
  }
}

/** The media is known but its verified bytes are not stored. */
export class MediaNotReadyError extends MediaStoreError {
  /** Always `'MediaNotReadyError'`. */
  override name = 'MediaNotReadyError';
  /** The media's id. */
  readonly id: string;
  /** The record's status when the bytes were asked for. */
  readonly status: string;
  /** Why, when there is more to say than the status (e.g. a lost file being fetched again). */
  readonly reason: string | undefined;

  constructor(id: string, status: string, reason?: string) {
    super(
      'not-downloaded',
      `media ${id} is not downloaded (status ${status}${reason === undefined ? '' : `: ${reason}`})`,
    );
    this.id = id;
    this.status = status;
    this.reason = reason;
  }
}

/** A malformed argument; `parameter` names it. */
export class InvalidMediaInputError extends MediaStoreError {
  /** Always `'InvalidMediaInputError'`. */
  override name = 'InvalidMediaInputError';
  /** The argument at fault (e.g. `'chatJid'`, `'message'`). */
  readonly parameter: string;

  constructor(parameter: string, problem: string, options: MediaStoreErrorOptions = {}) {
    super('invalid-argument', `${parameter} ${problem}`, options);
    this.parameter = parameter;
  }
}

function hasName(error: unknown, names: readonly string[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    names.includes((error as { name?: unknown }).name as string)
  );
}

const storeErrorNames = [
  'MediaStoreError',
  'MediaNotFoundError',
  'MediaNotReadyError',
  'InvalidMediaInputError',
];

/** True for every error of this package (also across duplicated installs: checks `name`). */
export function isMediaStoreError(error: unknown): error is MediaStoreError {
  return error instanceof MediaStoreError || hasName(error, storeErrorNames);
}

/** True for {@link MediaNotFoundError}. */
export function isMediaNotFoundError(error: unknown): error is MediaNotFoundError {
  return error instanceof MediaNotFoundError || hasName(error, ['MediaNotFoundError']);
}

/** True for {@link MediaNotReadyError}. */
export function isMediaNotReadyError(error: unknown): error is MediaNotReadyError {
  return error instanceof MediaNotReadyError || hasName(error, ['MediaNotReadyError']);
}

/** True for {@link InvalidMediaInputError}. */
export function isInvalidMediaInputError(error: unknown): error is InvalidMediaInputError {
  return error instanceof InvalidMediaInputError || hasName(error, ['InvalidMediaInputError']);
}
