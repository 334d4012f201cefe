// The package's errors: one base class with a machine-readable code, one guard. Messages never
// quote the media's bytes.

/** Every `code` a {@link MediaInfoError} can carry. */
export type MediaInfoErrorCode =
  | 'missing-dependency'
  | 'unreadable-media'
  | 'too-large'
  | 'invalid-argument'
  | 'aborted';

/** Base class of every error this package throws. Check with {@link isMediaInfoError}. */
export class MediaInfoError extends Error {
  /** The class name (this or a subclass's): what {@link isMediaInfoError} checks across copies. */
  override name: string = 'MediaInfoError';
  /** Machine-readable reason. */
  readonly code: MediaInfoErrorCode;

  constructor(code: MediaInfoErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.code = code;
  }
}

/**
 * An optional peer dependency that this step needs is not installed. Install `packageName`
 * (for example `npm install sharp`), or turn the step off (e.g. `thumbnail: false`).
 */
export class MissingDependencyError extends MediaInfoError {
  /** Always `'MissingDependencyError'`. */
  override name: string = 'MissingDependencyError';
  /** The npm package to install. */
  readonly packageName: string;

  constructor(packageName: string, purpose: string, cause?: unknown) {
    super(
      'missing-dependency',
      `${purpose} needs the optional package "${packageName}": npm install ${packageName}`,
      { cause },
    );
    this.packageName = packageName;
  }
}

/** The bytes are not a well-formed file of the format they claim (or were sniffed) to be. */
export class UnreadableMediaError extends MediaInfoError {
  /** Always `'UnreadableMediaError'`. */
  override name: string = 'UnreadableMediaError';

  constructor(message: string, cause?: unknown) {
    super('unreadable-media', message, { cause });
  }
}

/** True for every error this package throws. */
export function isMediaInfoError(error: unknown): error is MediaInfoError {
  return error instanceof MediaInfoError;
}
