// The emulator the transfer tests talk to: `wa-media emulator` in its own process, as users start
// it, plus a scratch folder; both live for the whole test file.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type CliRun, type CliServer, type RunCliOptions, runCli, startCli } from './run-cli.js';
import { sha256 } from './sha256.js';

/** The JSON line `wa-media emulator --json` prints once it listens. */
export interface CliEmulatorInfo {
  ok: true;
  hosts: { hostname: string; type: string; origin: string }[];
  control: { url: string; token: string };
}

export interface CliEmulatorFixture {
  /** A scratch folder, removed after the file's tests. */
  readonly dir: string;
  /** What the emulator printed when it started. */
  readonly info: CliEmulatorInfo;
  /** The `--emulator <url> --emulator-token <token>` flags that reach it. */
  readonly connection: string[];
  /** POSTs `body` to a control endpoint (faults, state); fails the test unless it answers 200. */
  control(path: string, body: unknown): Promise<Record<string, unknown>>;
  /** Runs `wa-media upload <flags> <connection> <source>` (`-` reads stdin: `options.input`). */
  upload(flags: readonly string[], source: string, options?: RunCliOptions): Promise<CliRun>;
  /** Runs `wa-media download <flags> <connection> <target>` (`-` writes stdout). */
  download(flags: readonly string[], target: string, options?: RunCliOptions): Promise<CliRun>;
  /**
   * Writes `bytes` to `<dir>/<fileName>` and runs `wa-media upload <flags> <connection> <file>`;
   * fails the test unless it exits 0 with an empty stderr. Saves what it printed (the download
   * parameters) as `<dir>/<paramsName>`.
   */
  uploadFile<T = Record<string, unknown>>(
    fileName: string,
    bytes: Uint8Array,
    flags: readonly string[],
    paramsName: string,
  ): Promise<{ upload: T; paramsFile: string }>;
  /**
   * Runs `wa-media download --params <paramsFile> --json` into a fresh folder while every host
   * flips the byte at `flipOffset`, then clears the fault (also when the run fails).
   */
  downloadCorrupted(
    paramsFile: string,
    fileName: string,
    flipOffset: number,
  ): Promise<{ run: CliRun; folder: string }>;
}

/**
 * Registers hooks that start a two-host `wa-media emulator` and a scratch folder named after
 * `dirPrefix` before the file's tests, and stop / remove both after them.
 */
export function useCliEmulator(dirPrefix: string): CliEmulatorFixture {
  let dir: string | undefined;
  let emulator: CliServer | undefined;
  let info: CliEmulatorInfo | undefined;
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useCliEmulator: read the fixture inside a test');
    return value;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), dirPrefix));
    emulator = startCli(['emulator', '--json', '--hosts', '2']);
    info = JSON.parse(await emulator.firstLine) as CliEmulatorInfo;
  });
  afterAll(async () => {
    await emulator?.stop('SIGTERM');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return ready(dir);
    },
    get info() {
      return ready(info);
    },
    get connection() {
      const { control } = ready(info);
      return ['--emulator', control.url, '--emulator-token', control.token];
    },
    async control(path, body) {
      const { control } = ready(info);
      const response = await fetch(new URL(path, control.url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${control.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, path).toBe(200);
      return (await response.json()) as Record<string, unknown>;
    },
    upload(flags, source, options) {
      return runCli(['upload', ...flags, ...this.connection, source], options);
    },
    download(flags, target, options) {
      return runCli(['download', ...flags, ...this.connection, target], options);
    },
    async uploadFile<T>(
      fileName: string,
      bytes: Uint8Array,
      flags: readonly string[],
      paramsName: string,
    ) {
      await writeFile(join(this.dir, fileName), bytes);
      const run = await this.upload(flags, join(this.dir, fileName));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const paramsFile = join(this.dir, paramsName);
      await writeFile(paramsFile, run.stdout);
      return { upload: JSON.parse(run.stdout) as T, paramsFile };
    },
    async downloadCorrupted(paramsFile, fileName, flipOffset) {
      const folder = await mkdtemp(join(ready(dir), 'corrupt-'));
      await this.control('/_faults', {
        on: 'download',
        times: 'always',
        fault: { kind: 'flip', offset: flipOffset },
      });
      try {
        const run = await this.download(['--params', paramsFile, '--json'], join(folder, fileName));
        return { run, folder };
      } finally {
        await this.control('/_faults/clear', {});
      }
    },
  };
}

/**
 * Asserts that a `download --json` run exited 0, reported the SHA-256 and length of `plaintext`,
 * and saved exactly those bytes at `out`.
 */
export async function expectDownloadedFile(
  run: CliRun,
  out: string,
  plaintext: Uint8Array,
): Promise<void> {
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({
    ok: true,
    fileSha256: sha256(plaintext),
    fileLength: plaintext.length,
  });
  expect(Buffer.compare(await readFile(out), plaintext)).toBe(0);
}
