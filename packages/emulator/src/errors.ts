/** What went wrong, machine-readable. */
export type EmulatorErrorCode =
  /** An option passed to the emulator is invalid (the message names it). */
  | 'bad-option'
  /** A signalling query or wait ran out of time. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'aborted'
  /** The emulator (or the remote connection to it) was closed. */
  | 'closed'
  /** The remote control endpoint refused or failed a request. */
  | 'control-failed'
  /** A node handed to the signalling peer is malformed. */
  | 'bad-node';

/**
 * The one error class of `@wa-media/emulator`. Messages never contain auth tokens, control
 * tokens, media keys or signed URL queries.
 */
export class EmulatorError extends Error {
  /** Always `'EmulatorError'` (what {@link isEmulatorError} checks across copies). */
  override name = 'EmulatorError' as const;
  /** What went wrong; see {@link EmulatorErrorCode}. */
  readonly code: EmulatorErrorCode;
  /** HTTP status of the control endpoint, for `control-failed`. */
  readonly status: number | undefined;

  constructor(
    code: EmulatorErrorCode,
    message: string,
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }
}

/** True for an {@link EmulatorError}, also across package copies (checks `name`). */
export function isEmulatorError(value: unknown): value is EmulatorError {
  return (
    value instanceof EmulatorError ||
    (value instanceof Error && value.name === 'EmulatorError' && 'code' in value)
  );
}
