// A pino-shaped logger that keeps every line in memory, for tests of the packages' `logger`
// option: the lines can be searched by message and checked for secrets.

/** One line a {@link RecordingLogger} received. */
export interface RecordedLogLine {
  /** `debug`, `info`, `warn` or `error`. */
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  /** The message (`msg` of `(obj, msg)`, or the only argument of `(msg)`). */
  readonly msg: string | undefined;
  /** The fields object (empty for `(msg)` calls). */
  readonly obj: Readonly<Record<string, unknown>>;
  /** `JSON.stringify({ obj, msg })`: the whole line as text, to search for leaked values. */
  readonly text: string;
}

/** A logger with pino's call shapes that records what it is given. */
export interface RecordingLogger {
  /** Records at `debug`. */
  debug(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  /** Records at `info`. */
  info(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  /** Records at `warn`. */
  warn(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  /** Records at `error`. */
  error(objOrMsg: Record<string, unknown> | string, msg?: string): void;
  /** Every line so far, oldest first. */
  readonly lines: readonly RecordedLogLine[];
  /** The first line with this message (and these fields, when given), if any. */
  find(msg: string, fields?: Readonly<Record<string, unknown>>): RecordedLogLine | undefined;
}

/**
 * A new {@link RecordingLogger}; pass it wherever a pino-compatible `logger` is taken.
 * @example
 * ```ts
 * const logger = recordingLogger();
 * const client = createNodeMediaClient({ logger });
 * // … a transfer …
 * expect(logger.find('transfer succeeded')?.obj.bytes).toBe(size);
 * ```
 */
export function recordingLogger(): RecordingLogger {
  const lines: RecordedLogLine[] = [];
  const at =
    (level: RecordedLogLine['level']) =>
    (objOrMsg: Record<string, unknown> | string, msg?: string): void => {
      const obj = typeof objOrMsg === 'string' ? {} : objOrMsg;
      const message = typeof objOrMsg === 'string' ? objOrMsg : msg;
      lines.push({ level, msg: message, obj, text: JSON.stringify({ obj, msg: message }) });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    lines,
    find(msg, fields = {}) {
      return lines.find(
        (line) =>
          line.msg === msg &&
          Object.entries(fields).every(([key, value]) => line.obj[key] === value),
      );
    },
  };
}
