// What the command prints. Results go to stdout (human lines, or one JSON object with --json);
// notes go to stderr unless --json or --quiet. Progress goes to stderr: a redrawn bar on a TTY
// by default, or with --progress also as plain lines when stderr is a file or a pipe.
// Known secrets (keys and tokens the command was given) are masked in everything but results.
import { formatBytes, formatRate } from './bytes.js';

/** The streams and terminal facts the output writes to. */
export interface OutputStreams {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Masks strings that must never be printed outside a command's result. */
export class SecretMask {
  readonly #secrets = new Set<string>();

  /** Registers a secret (a token, a media key in the forms it was given). */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 6) this.#secrets.add(secret);
  }

  /** The text with every registered secret replaced by `[redacted]`. */
  mask(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.split(secret).join('[redacted]');
    return out;
  }
}

/** A progress bar on stderr (no-op when not shown). */
export interface Progress {
  update(done: number, total: number | null): void;
  /** Says what the transfer waits for now (e.g. "waiting for the server" after the last byte). */
  waiting(what: string): void;
  /** Clears the bar line. */
  finish(): void;
}

const NO_PROGRESS: Progress = { update() {}, waiting() {}, finish() {} };

/** When progress is shown: `auto` (a TTY, no --json / --quiet), `always` (--progress), `never`. */
export type ProgressMode = 'auto' | 'always' | 'never';

/** Plain progress lines (not a TTY): one per 10% step or 2 seconds, whichever comes first. */
const LINE_STEP = 0.1;
const LINE_EVERY_MS = 2000;

/** The command's printer. */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly secrets: SecretMask;
  readonly progressMode: ProgressMode;
  readonly #streams: OutputStreams;
  #resultWritten = false;

  constructor(
    streams: OutputStreams,
    options: { json: boolean; quiet: boolean; progress?: ProgressMode },
  ) {
    this.#streams = streams;
    this.json = options.json;
    this.quiet = options.quiet;
    this.progressMode = options.progress ?? 'auto';
    this.secrets = new SecretMask();
  }

  /** True when notes and progress go to the terminal. */
  get interactive(): boolean {
    return !this.json && !this.quiet && this.#streams.stderr.isTTY === true;
  }

  /**
   * Prints the command's result: `lines` for humans, or `{ ok: true, ...data }` as one JSON
   * object with --json. Results may contain the keys the command produced (that is the point).
   */
  result(
    lines: readonly string[],
    data: Record<string, unknown>,
    options: { stdoutTaken?: boolean } = {},
  ): void {
    this.#resultWritten = true;
    if (this.json) this.#streams.stdout.write(`${JSON.stringify({ ok: true, ...data })}\n`);
    else if (lines.length === 0) return;
    // When the media itself went to stdout, the human result goes to stderr.
    else if (options.stdoutTaken === true) this.#streams.stderr.write(`${lines.join('\n')}\n`);
    else this.#streams.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Human text on stdout (help, reports); nothing with --json. */
  print(text: string): void {
    if (!this.json) this.#streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note on stderr, unless --json or --quiet. */
  note(text: string): void {
    if (!this.json && !this.quiet) this.#streams.stderr.write(`${this.secrets.mask(text)}\n`);
  }

  /**
   * Reports a failure: the message on stderr, and with --json also `{ ok: false, error }` on
   * stdout (unless a result was already printed).
   */
  failure(error: { kind: string; code: string; message: string; exitCode: number }): void {
    const message = this.secrets.mask(error.message);
    this.#streams.stderr.write(`wa-media: ${message}\n`);
    if (this.json && !this.#resultWritten) {
      this.#streams.stdout.write(
        `${JSON.stringify({ ok: false, error: { ...error, message } })}\n`,
      );
    }
  }

  /**
   * Progress of a transfer of `label` on stderr: with `auto`, a bar redrawn at most 10 times a
   * second on a TTY (nothing otherwise); with `always` (--progress), that bar on a TTY and plain
   * lines elsewhere; with `never` (--no-progress), nothing.
   */
  progress(label: string): Progress {
    const mode = this.progressMode;
    if (mode === 'never' || (mode === 'auto' && !this.interactive)) return NO_PROGRESS;
    const stderr = this.#streams.stderr;
    return stderr.isTTY === true ? barProgress(stderr, label) : lineProgress(stderr, label);
  }
}

function describeProgress(done: number, total: number | null, ms: number): string {
  const ratio = total !== null && total > 0 ? Math.min(1, done / total) : 0;
  const percent = total === null ? '' : `${(ratio * 100).toFixed(0).padStart(3)}% `;
  const size = total === null ? formatBytes(done) : `${formatBytes(done)}/${formatBytes(total)}`;
  return `${percent}${size} ${formatRate(done, ms)}`;
}

function barProgress(stderr: OutputStreams['stderr'], label: string): Progress {
  const started = performance.now();
  let lastDraw = 0;
  let drawn = false;
  let last: { done: number; total: number | null } = { done: 0, total: null };
  const draw = (suffix: string): void => {
    const { done, total } = last;
    const width = Math.max(10, Math.min(30, (stderr.columns ?? 80) - 50 - suffix.length));
    const ratio = total !== null && total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * width);
    const bar = total === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
    drawn = true;
    stderr.write(
      `\r\x1b[2K${label} ${bar}${describeProgress(done, total, performance.now() - started)}${suffix}`,
    );
  };
  return {
    update(done, total) {
      last = { done, total };
      const now = performance.now();
      if (now - lastDraw < 100 && done !== total) return;
      lastDraw = now;
      draw('');
    },
    waiting(what) {
      draw(`, ${what}…`);
    },
    finish() {
      if (drawn) stderr.write('\r\x1b[2K');
    },
  };
}

function lineProgress(stderr: OutputStreams['stderr'], label: string): Progress {
  const started = performance.now();
  let lastLine = performance.now();
  let lastRatio = -1;
  let last: { done: number; total: number | null } = { done: 0, total: null };
  let printed = '';
  const print = (text: string): void => {
    if (text === printed) return;
    printed = text;
    stderr.write(`${text}\n`);
  };
  return {
    update(done, total) {
      last = { done, total };
      const now = performance.now();
      const ratio = total !== null && total > 0 ? Math.min(1, done / total) : 0;
      const stepped =
        total !== null && Math.floor(ratio / LINE_STEP) > Math.floor(lastRatio / LINE_STEP);
      if (!stepped && now - lastLine < LINE_EVERY_MS) return;
      lastLine = now;
      lastRatio = ratio;
      print(`${label} ${describeProgress(done, total, now - started)}`);
    },
    waiting(what) {
      print(
        `${label} ${describeProgress(last.done, last.total, performance.now() - started)}, ${what}…`,
      );
    },
    finish() {},
  };
}
