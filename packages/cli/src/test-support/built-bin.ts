// The published executable as npm installs it: dist/bin.js linked from a `.bin` folder and run
// through its shebang (not the sources through tsx). CI builds before testing; locally, without
// a build, the tests that need it are skipped with a notice.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { packageDir } from './run-cli.js';

export interface PackageJson {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

export const manifest: PackageJson = JSON.parse(
  await readFile(join(packageDir, 'package.json'), 'utf8'),
) as PackageJson;
export const binPath: string = resolve(packageDir, manifest.bin['wa-media'] ?? 'missing');
// The built bin imports the other packages' builds, so those must exist too.
const needed = [
  binPath,
  ...Object.keys(manifest.dependencies).map((name) =>
    join(packageDir, 'node_modules', name, 'dist', 'index.js'),
  ),
];
export const missingBuild: string[] = needed.filter((path) => !existsSync(path));
const built = missingBuild.length === 0;
const inCi = !['', '0', 'false'].includes(process.env.CI ?? '');
/** True when the tests of the built bin are skipped (no build, not in CI). */
export const skipBuiltBin: boolean = !built && !inCi;

/** What one run of the built bin printed. */
export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface BuiltBinFixture {
  /** A scratch folder for the file's tests (the `.bin` folder is inside it). */
  readonly dir: string;
  /** Runs `wa-media …args` as a shell would: looked up on PATH, started by its shebang. */
  run(args: readonly string[], env?: Record<string, string>): Promise<BinRun>;
}

/** Registers hooks that link the built bin into a fresh `.bin` folder, removed afterwards. */
export function useBuiltBin(label: string): BuiltBinFixture {
  let dir: string | undefined;
  let binDir = '';
  if (skipBuiltBin) {
    console.warn(`${label} skipped: run \`pnpm build\` first (missing ${missingBuild.join(', ')})`);
  }
  beforeAll(async () => {
    // In CI a missing build is a failure, not a skip.
    expect(missingBuild).toEqual([]);
    dir = await mkdtemp(join(tmpdir(), 'wa-media-bin-test-'));
    binDir = join(dir, '.bin');
    await mkdir(binDir);
    // npm and pnpm make the bin target executable and link it from a .bin folder on install.
    await chmod(binPath, 0o755);
    await symlink(binPath, join(binDir, 'wa-media'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      if (dir === undefined) throw new Error('useBuiltBin: read the fixture inside a test');
      return dir;
    },
    run(args, env = {}) {
      return new Promise((done, fail) => {
        const child = spawn('wa-media', args, {
          env: { ...process.env, ...env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
        });
        child.once('error', fail);
        child.once('close', (code) => done({ code, stdout, stderr }));
      });
    },
  };
}
