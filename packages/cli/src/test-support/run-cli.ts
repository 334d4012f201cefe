// Runs the real `wa-media` command in a child process, from its sources through tsx (no build
// needed): what users run, with real exit codes, stdout, stderr, signals and files.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const packageDir: string = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));

/** What a finished run printed and returned. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', bin, ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env, FORCE_COLOR: '0' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess): Promise<CliRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
  });
}

/** Options of {@link runCli}. */
export interface RunCliOptions {
  /** Written to stdin, which is then closed. @default closed at once */
  input?: Uint8Array | string;
  /** Added to the environment. */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long. @default 60_000 */
  timeoutMs?: number;
}

/** Runs `wa-media …args` to completion (stdin: `input`, or closed). */
export async function runCli(
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<CliRun> {
  const child = spawnCli(args, options.env);
  const done = collect(child);
  child.stdin?.end(options.input ?? undefined);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** A long-running command (emulator, serve): its first stdout line, then stop it by signal. */
export interface CliServer {
  readonly child: ChildProcess;
  /** The first line printed on stdout (the --json result). */
  readonly firstLine: Promise<string>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<CliRun>;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}): CliServer {
  const child = spawnCli(args, env);
  const done = collect(child);
  const firstLine = new Promise<string>((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        child.stdout?.off('data', onData);
        resolve(buffered.slice(0, newline));
      }
    };
    child.stdout?.on('data', onData);
    void done.then((run) =>
      reject(new Error(`exited (${run.code}) before printing a line: ${run.stderr}`)),
    );
  });
  firstLine.catch(() => {});
  return {
    child,
    firstLine,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
