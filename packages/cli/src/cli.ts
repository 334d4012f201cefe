// The dispatcher: finds the subcommand, parses its flags, runs it, and turns whatever it throws
// into one clear line on stderr (plus `{ ok: false, error }` with --json) and an exit code.

import { readFileSync } from 'node:fs';
import { type CommandContext, type CommandSpec, commandHelp, parseCommandArgs } from './command.js';
import { COMMANDS } from './commands/index.js';
import { CliError, describeError, EXIT_CODES, errorCode, errorKind, UsageError } from './errors.js';
import { Output } from './io/output.js';
import { didYouMean } from './suggest.js';

/** Streams, environment and cancellation for {@link runCli} (defaults: the process's). */
export interface RunCliOptions {
  /** Input for `-` file arguments. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
  /** Where results go. @default process.stdout */
  stdout?: NodeJS.WritableStream;
  /** Where messages and progress go. @default process.stderr */
  stderr?: NodeJS.WritableStream & {
    /** Whether it is a terminal (progress bars are drawn only then). */
    isTTY?: boolean;
    /** Terminal width, for the progress bar. */
    columns?: number;
  };
  /** Environment variables (e.g. `WA_MEDIA_DEBUG=1` prints stacks). @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Aborting it interrupts the command (exit code 7) or, for servers, stops them (exit 0). */
  signal?: AbortSignal;
}

/**
 * The version printed by `wa-media --version`: read from this package's manifest (one level
 * above both `src/` and `dist/`), so a changesets bump never leaves it stale.
 */
export const CLI_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'wa-media: WhatsApp media, correct to the byte, in constant memory.',
    '',
    'Usage: wa-media <command> [options] [arguments]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --help, --json (one JSON object on stdout, bytes as base64), --quiet',
    'and --progress / --no-progress (progress on stderr; by default only on a terminal).',
    'Exit codes: 0 ok, 1 unexpected, 2 usage, 3 integrity failure, 4 network/CDN,',
    '5 not found/expired, 6 reupload failed, 7 cancelled/interrupted, 8 not available.',
    '',
  ].join('\n');
}

function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

/**
 * Runs `wa-media` with `argv` (without the node and script paths) and returns the exit code.
 * Never throws: every failure becomes a message and an exit code from {@link EXIT_CODES}.
 *
 * @example
 * ```ts
 * const code = await runCli(['encrypt', '--type', 'image', 'in.jpg', 'out.enc', '--json']);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  options: RunCliOptions = {},
): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const std = { stdin: options.stdin ?? process.stdin, stdout };
  const signal = options.signal ?? new AbortController().signal;
  const json = argv.includes('--json');
  const quiet = argv.includes('--quiet') || argv.includes('-q');
  // The last of --progress / --no-progress wins; without either, progress shows on a TTY.
  const progressAt = argv.lastIndexOf('--progress');
  const noProgressAt = argv.lastIndexOf('--no-progress');
  const progress =
    progressAt === noProgressAt ? 'auto' : progressAt > noProgressAt ? 'always' : 'never';
  const out = new Output({ stdout, stderr }, { json, quiet, progress });

  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' && rest[0] !== undefined ? findCommand(rest[0]) : undefined;
      stdout.write(topic === undefined ? mainHelp() : commandHelp(topic));
      return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
    }
    if (name === '--version' || name === '-v') {
      stdout.write(`${CLI_VERSION}\n`);
      return EXIT_CODES.ok;
    }
    const command = findCommand(name);
    if (command === undefined) {
      const names = COMMANDS.map((c) => c.name);
      const hint = didYouMean(name, names);
      throw new UsageError(
        `unknown command ${JSON.stringify(name.slice(0, 40))}${hint || `; commands: ${names.join(', ')}`}`,
        { code: 'unknown-command' },
      );
    }
    const { flags, positionals } = parseCommandArgs(command, rest);
    if (flags.help === true) {
      stdout.write(commandHelp(command));
      return EXIT_CODES.ok;
    }
    const context: CommandContext = {
      flags,
      positionals,
      out,
      std,
      signal,
      env: options.env ?? process.env,
    };
    await command.run(context);
    return EXIT_CODES.ok;
  } catch (error) {
    const interrupted = signal.aborted && errorKind(error) !== 'usage';
    const kind = interrupted ? 'interrupted' : errorKind(error);
    const message = interrupted ? 'interrupted; nothing was written' : describeError(error);
    const failure = new CliError(kind, message, {
      code: interrupted ? 'interrupted' : errorCode(error),
    });
    out.failure({
      kind: failure.kind,
      code: failure.code,
      message: failure.message,
      exitCode: failure.exitCode,
    });
    // A bug report needs the stack; ask for it explicitly (it is masked like every note).
    const env = options.env ?? process.env;
    if (env.WA_MEDIA_DEBUG === '1' && error instanceof Error && error.stack !== undefined) {
      stderr.write(`${out.secrets.mask(error.stack)}\n`);
    }
    return failure.exitCode;
  }
}
