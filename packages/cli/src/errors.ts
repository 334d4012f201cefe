// Every failure the command reports ends as one exit code per kind of problem, so scripts can
// branch on `$?` without parsing messages. Errors of the other packages are recognised by
// their `name` and `code` (like their own `isXxxError` guards), so a second copy of a package
// still maps correctly.

/**
 * Exit codes of `wa-media`, by kind of outcome. Stable: scripts depend on them.
 *
 * | code | meaning |
 * | --- | --- |
 * | 0 | ok |
 * | 1 | unexpected error (a bug, or an I/O error of the machine) |
 * | 2 | usage: unknown command or flag, missing or malformed argument, unreadable input file |
 * | 3 | integrity: the media failed a check (hash, MAC, padding); nothing was written |
 * | 4 | network / CDN: hosts unreachable, refused or failing, signalling unreachable |
 * | 5 | not found / expired: the CDN no longer has the media |
 * | 6 | media reupload failed: the phone answered an error, or never answered |
 * | 7 | cancelled / interrupted (SIGINT, SIGTERM) |
 * | 8 | not available: the feature's package is not ready in this build |
 */
export const EXIT_CODES: {
  /** 0: success. */
  readonly ok: 0;
  /** 1: an unexpected error (a bug). */
  readonly unexpected: 1;
  /** 2: bad usage: unknown command or flag, missing or malformed argument. */
  readonly usage: 2;
  /** 3: the media failed verification (hash, MAC, padding). */
  readonly integrity: 3;
  /** 4: network or CDN failure, signalling unreachable. */
  readonly network: 4;
  /** 5: not found or expired on the CDN. */
  readonly notFound: 5;
  /** 6: media reupload failed. */
  readonly reuploadFailed: 6;
  /** 7: cancelled or interrupted (SIGINT, SIGTERM). */
  readonly interrupted: 7;
  /** 8: the feature's package is not available in this build. */
  readonly notAvailable: 8;
} = Object.freeze({
  ok: 0,
  unexpected: 1,
  usage: 2,
  integrity: 3,
  network: 4,
  notFound: 5,
  reuploadFailed: 6,
  interrupted: 7,
  notAvailable: 8,
});

/** A kind of failure; each has its own exit code in {@link EXIT_CODES}. */
export type CliErrorKind = Exclude<keyof typeof EXIT_CODES, 'ok'>;

/** Options of {@link CliError}. */
export interface CliErrorOptions {
  /** The underlying error (kept as `cause`; never printed verbatim unless it is safe). */
  cause?: unknown;
  /** A short machine-readable reason, e.g. `'mac-mismatch'` or `'media-not-found'`. */
  code?: string;
}

/**
 * An error the command reports with a clear message and the exit code of its `kind`.
 * Messages never contain media keys, auth tokens or signed URL queries.
 */
export class CliError extends Error {
  /** The class name (`CliError` or a subclass's), what {@link isCliError} checks. */
  override name: string = 'CliError';
  /** What kind of failure; selects the exit code. */
  readonly kind: CliErrorKind;
  /** A machine-readable reason (the underlying error's code when there is one). */
  readonly code: string;

  constructor(kind: CliErrorKind, message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.kind = kind;
    this.code = options.code ?? kind;
  }

  /** The process exit code for this error. */
  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** A malformed command line (exit code 2). The message names the flag or argument. */
export class UsageError extends CliError {
  /** Always `'UsageError'`. */
  override name: string = 'UsageError';

  constructor(message: string, options: CliErrorOptions = {}) {
    super('usage', message, options);
  }
}

/** True for a {@link CliError} (also from another copy of this package: checks `name`). */
export function isCliError(error: unknown): error is CliError {
  if (error instanceof CliError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { name, kind } = error as { name?: unknown; kind?: unknown };
  return (
    (name === 'CliError' || name === 'UsageError') &&
    typeof kind === 'string' &&
    Object.hasOwn(EXIT_CODES, kind)
  );
}

interface NamedError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  attempts?: unknown;
  cause?: unknown;
}

function named(error: unknown): NamedError | undefined {
  return typeof error === 'object' && error !== null ? (error as NamedError) : undefined;
}

const INTEGRITY_NAMES = new Set(['MediaIntegrityError']);
const NETWORK_NAMES = new Set([
  'HttpError',
  'HttpStatusError',
  'NetworkError',
  'TimeoutError',
  'ContentLengthMismatchError',
  'ResponseParseError',
  'ResponseTooLargeError',
  'MediaConnError',
  'MediaConnFetchError',
]);
const USAGE_NAMES = new Set([
  'InvalidArgumentError',
  'ClientArgumentError',
  'InvalidJidError',
  'ProtobufDecodeError',
  'NoMediaError',
  'UnsupportedMessageError',
]);
const FS_USAGE_CODES = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EPERM']);

/** True when a download's every attempt failed an integrity check (a corrupt blob everywhere). */
function allAttemptsIntegrity(attempts: unknown): boolean {
  if (!Array.isArray(attempts) || attempts.length === 0) return false;
  return attempts.every((attempt) => {
    const error = named((attempt as { error?: unknown } | undefined)?.error);
    return typeof error?.name === 'string' && INTEGRITY_NAMES.has(error.name);
  });
}

/**
 * The {@link CliErrorKind} of any error: ours, or one of the toolkit's typed errors (matched by
 * `name` and `code`), or a Node system error.
 */
export function errorKind(error: unknown): CliErrorKind {
  if (isCliError(error)) return error.kind;
  const e = named(error);
  if (e === undefined) return 'unexpected';
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (INTEGRITY_NAMES.has(name)) return 'integrity';
  if (name === 'TransferCancelledError' || name === 'AbortError' || code === 'ABORT_ERR') {
    return 'interrupted';
  }
  if (name === 'MediaDownloadError') {
    if (code === 'media-not-found' || code === 'media-expired') return 'notFound';
    if (code === 'missing-media-fields') return 'usage';
    if (code === 'not-rewindable') return 'unexpected';
    if (allAttemptsIntegrity(e.attempts)) return 'integrity';
    return 'network';
  }
  if (name === 'MediaUploadError') {
    if (code === 'no-signaling' || code === 'key-mismatch') return 'usage';
    if (code === 'source-failed') return 'unexpected';
    return 'network';
  }
  if (name === 'MediaReuploadError') {
    if (code === 'invalid-request' || code === 'newsletter' || code === 'not-logged-in') {
      return 'usage';
    }
    if (code === 'aborted') return 'interrupted';
    return 'reuploadFailed';
  }
  if (name === 'EmulatorError') {
    if (code === 'bad-option') return 'usage';
    return 'network';
  }
  if (NETWORK_NAMES.has(name)) return 'network';
  if (USAGE_NAMES.has(name)) return 'usage';
  if (FS_USAGE_CODES.has(code)) return 'usage';
  if (code === 'EADDRINUSE' || code === 'ECONNREFUSED' || code === 'ECONNRESET') return 'network';
  return 'unexpected';
}

/** The exit code of any error (see {@link EXIT_CODES}). */
export function exitCodeFor(error: unknown): number {
  return EXIT_CODES[errorKind(error)];
}

/** `code` of an error when it has a string one, else its kind. */
export function errorCode(error: unknown): string {
  const code = named(error)?.code;
  return typeof code === 'string' ? code : errorKind(error);
}

/** `Name: message` of an error, without its stack. */
export function describeError(error: unknown): string {
  const e = named(error);
  if (e === undefined) return String(error);
  const message = typeof e.message === 'string' ? e.message : String(error);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  return name === 'CliError' || name === 'UsageError' ? message : `${name}: ${message}`;
}
