// How a subcommand is described: its flags (fed to node:util parseArgs), its positionals, its
// help text, and the function that runs it. `cli.ts` dispatches; `commands/*` implement.
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import type { StdStreams } from './io/files.js';
import type { Output } from './io/output.js';
import { didYouMean } from './suggest.js';

/** One flag of a command. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Shown in help after the flag, e.g. `B64`. */
  readonly value?: string;
  readonly description: string;
}

/** What a running command gets. */
export interface CommandContext {
  /** Parsed flags (strings and booleans; absent when not given). */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly out: Output;
  readonly std: StdStreams;
  /** Aborted on SIGINT / SIGTERM: pass it to everything that waits. */
  readonly signal: AbortSignal;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A subcommand. */
export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line(s) without the leading `wa-media`. */
  readonly usage: readonly string[];
  /** Longer text after the usage (optional). */
  readonly details?: readonly string[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  readonly positionals: { readonly min: number; readonly max: number };
  readonly examples?: readonly string[];
  /** Added to the error when a string flag is given without its value (by flag name). */
  readonly valueHints?: Readonly<Record<string, string>>;
  run(context: CommandContext): Promise<void>;
}

/** Flags every command takes. */
export const COMMON_FLAGS: Readonly<Record<string, FlagSpec>> = {
  json: { type: 'boolean', description: 'print one JSON object on stdout (bytes as base64)' },
  quiet: { type: 'boolean', short: 'q', description: 'no progress bars or notes on stderr' },
  progress: {
    type: 'boolean',
    description: 'show progress on stderr even when it is not a terminal (or with --json / -q)',
  },
  'no-progress': { type: 'boolean', description: 'never show progress' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

/**
 * Parses a command's arguments with node:util parseArgs (strict).
 * @throws {UsageError} for unknown flags, missing values or a wrong number of arguments.
 */
export function parseCommandArgs(
  spec: CommandSpec,
  args: readonly string[],
): { flags: Record<string, string | boolean | undefined>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, flag] of Object.entries({ ...COMMON_FLAGS, ...spec.flags })) {
    options[name] =
      flag.short === undefined ? { type: flag.type } : { type: flag.type, short: flag.short };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw describeParseError(spec, error, Object.keys(options));
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.help !== true) {
    const count = parsed.positionals.length;
    if (count < spec.positionals.min || count > spec.positionals.max) {
      throw new UsageError(
        `${spec.name}: expected ${describeCount(spec.positionals)}, got ${count} (see wa-media ${spec.name} --help)`,
      );
    }
  }
  return { flags, positionals: parsed.positionals };
}

/**
 * A parseArgs failure as a usage error. parseArgs messages quote the offending flag, never a
 * value; an unknown flag gets the closest known one ("did you mean --params?").
 */
function describeParseError(
  spec: CommandSpec,
  error: unknown,
  known: readonly string[],
): UsageError {
  const code = (error as { code?: string }).code ?? 'bad-arguments';
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec((error as Error).message ?? '');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== null) {
    const [, dashes = '--', flag = ''] = unknown;
    const hint = dashes === '--' ? didYouMean(flag.split('=')[0] ?? '', known, '--') : '';
    return new UsageError(
      `${spec.name}: unknown flag ${dashes}${flag.slice(0, 40)}${hint || ` (see wa-media ${spec.name} --help)`}`,
      { cause: error, code },
    );
  }
  const flag = /^Option '--([a-z0-9-]+)/.exec((error as Error).message ?? '')?.[1];
  const hint = flag === undefined ? undefined : spec.valueHints?.[flag];
  const message = (error as Error).message.split('\n')[0] ?? '';
  return new UsageError(`${spec.name}: ${message}${hint === undefined ? '' : ` (${hint})`}`, {
    cause: error,
    code,
  });
}

function describeCount({ min, max }: { min: number; max: number }): string {
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  if (min === max) return plural(min);
  return `${min} to ${plural(max)}`;
}

/** The `--help` text of a command. */
export function commandHelp(spec: CommandSpec): string {
  const lines: string[] = [`wa-media ${spec.name}: ${spec.summary}`, '', 'Usage:'];
  for (const usage of spec.usage) lines.push(`  wa-media ${usage}`);
  if (spec.details !== undefined && spec.details.length > 0) lines.push('', ...spec.details);
  lines.push('', 'Options:');
  const entries = Object.entries({ ...spec.flags, ...COMMON_FLAGS });
  const labels = entries.map(([name, flag]) => {
    const short = flag.short === undefined ? '    ' : `-${flag.short}, `;
    return `${short}--${name}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
  });
  const width = Math.max(...labels.map((label) => label.length));
  entries.forEach(([, flag], index) => {
    lines.push(`  ${labels[index]?.padEnd(width)}  ${flag.description}`);
  });
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of spec.examples) lines.push(`  ${example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A string flag's value, or undefined. */
export function stringFlag(context: CommandContext, name: string): string | undefined {
  const value = context.flags[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * A required string flag.
 * @throws {UsageError} naming the flag when it is missing.
 */
export function requireFlag(context: CommandContext, name: string): string {
  const value = stringFlag(context, name);
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** A boolean flag. */
export function booleanFlag(context: CommandContext, name: string): boolean {
  return context.flags[name] === true;
}

/**
 * An integer flag within bounds, or the fallback.
 * @throws {UsageError} naming the flag when it is not an integer in range.
 */
export function integerFlag(
  context: CommandContext,
  name: string,
  bounds: { min: number; max: number },
  fallback?: number,
): number | undefined {
  const raw = stringFlag(context, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (
    !/^-?\d+$/.test(raw.trim()) ||
    !Number.isSafeInteger(value) ||
    value < bounds.min ||
    value > bounds.max
  ) {
    throw new UsageError(`--${name} must be an integer from ${bounds.min} to ${bounds.max}`);
  }
  return value;
}
