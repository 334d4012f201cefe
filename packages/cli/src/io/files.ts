// Files in and out. Inputs are streamed (constant memory). Outputs are written to a temp file
// beside the target and renamed only once everything is verified, so a failed command leaves
// nothing behind; `-` (stdout) is spooled to a temp file first for the same reason.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors.js';

/** Where the command reads stdin and writes stdout (injectable for tests). */
export interface StdStreams {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
}

/**
 * Checks that an input file exists and is a file.
 * @throws {UsageError} naming the argument when it cannot be read.
 */
export async function checkInputFile(label: string, path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`${label} is not a file: ${path}`);
    return info.size;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read ${label} ${path}: ${(error as Error).message}`, {
      cause: error,
      code: (error as { code?: string }).code ?? 'unreadable',
    });
  }
}

/** A web stream of a file (or of stdin for `-`), read in 256 KiB chunks. */
export async function openInput(
  label: string,
  path: string,
  std: StdStreams,
): Promise<{ stream: ReadableStream<Uint8Array>; size: number | undefined }> {
  if (path === '-') {
    return {
      stream: Readable.toWeb(std.stdin as Readable) as ReadableStream<Uint8Array>,
      size: undefined,
    };
  }
  const size = await checkInputFile(label, path);
  const nodeStream = createReadStream(path, { highWaterMark: 256 * 1024 });
  return { stream: Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>, size };
}

/** An output being written: commit it once verified, or discard it. */
export interface AtomicOutput {
  /** The temp file being written (beside the target; in the temp dir for `-`). */
  readonly tempPath: string;
  /** Where the bytes go: write here, then call `commit()` or `discard()`. */
  readonly writable: WritableStream<Uint8Array>;
  /** Renames the temp file into place (or copies it to stdout for `-`). */
  commit(): Promise<void>;
  /** Removes the temp file. Idempotent; safe after `commit()`. */
  discard(): Promise<void>;
}

/**
 * Checks, before any work, that an output path can be renamed into place: its folder exists
 * and it is not itself a directory (an existing file is replaced).
 * @throws {UsageError} naming the argument otherwise.
 */
export async function checkOutputPath(label: string, path: string): Promise<void> {
  try {
    if (!(await stat(dirname(path))).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new UsageError(`cannot write ${label} ${path}: its folder does not exist`, {
      cause: error,
    });
  }
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory() === true) {
    throw new UsageError(`cannot write ${label} ${path}: it is a directory`, {
      code: 'output-is-directory',
    });
  }
}

/**
 * Starts writing `path` atomically: bytes go to a temp file, renamed into place by `commit()`.
 * @throws {UsageError} when the target's folder does not exist or the target is a directory.
 */
export async function createAtomicOutput(
  label: string,
  path: string,
  std: StdStreams,
): Promise<AtomicOutput> {
  let tempDir: string | undefined;
  let tempPath: string;
  if (path === '-') {
    tempDir = await mkdtemp(join(tmpdir(), 'wa-media-'));
    tempPath = join(tempDir, 'stdout.part');
  } else {
    await checkOutputPath(label, path);
    tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  }
  const file = createWriteStream(tempPath, { flags: 'wx' });
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  });
  let done = false;
  const discard = async (): Promise<void> => {
    file.destroy();
    await rm(tempDir ?? tempPath, { recursive: true, force: true });
  };
  return {
    tempPath,
    writable: Writable.toWeb(file) as WritableStream<Uint8Array>,
    async commit() {
      if (done) return;
      done = true;
      // Make sure the bytes are on disk before the rename makes them visible.
      const handle = await open(tempPath, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (path === '-') {
        try {
          await pipeline(createReadStream(tempPath), std.stdout, { end: false });
        } finally {
          await discard();
        }
      } else {
        await rename(tempPath, path);
      }
    },
    discard,
  };
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
