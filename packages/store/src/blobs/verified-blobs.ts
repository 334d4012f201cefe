// Remembers which blob files were hashed and matched, so asking again (GET …/download, once per
// call from any API caller) costs a stat, not a read of the whole file.
import { stat } from 'node:fs/promises';
import { hashFile } from './blob-files.js';

interface Fingerprint {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

async function fingerprintOf(path: string): Promise<Fingerprint | undefined> {
  try {
    const { size, mtimeMs, ino, dev } = await stat(path);
    return { size, mtimeMs, ino, dev };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function same(a: Fingerprint, b: Fingerprint): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}

/** Blob files known to hash to their record's SHA-256, by id, while unchanged on disk. */
export class VerifiedBlobs {
  readonly #known = new Map<string, Fingerprint>();
  readonly #checking = new Map<string, Promise<boolean>>();
  #hashes = 0;

  /** Whole files read and hashed so far. */
  get hashCount(): number {
    return this.#hashes;
  }

  /**
   * True when `path` hashes to `expected`. A file seen to match before and unchanged since
   * (size, mtime, inode) is not read again; concurrent checks of one id share one read.
   */
  matches(id: string, path: string, expected: Uint8Array): Promise<boolean> {
    const pending = this.#checking.get(id);
    if (pending !== undefined) return pending;
    const check = this.#check(id, path, expected).finally(() => this.#checking.delete(id));
    this.#checking.set(id, check);
    return check;
  }

  /** Records that `path` was just verified (hashed by the download that wrote it). */
  async remember(id: string, path: string): Promise<void> {
    const print = await fingerprintOf(path);
    if (print === undefined) this.#known.delete(id);
    else this.#known.set(id, print);
  }

  /** Forgets an id (deleted, or its file replaced). */
  forget(id: string): void {
    this.#known.delete(id);
  }

  async #check(id: string, path: string, expected: Uint8Array): Promise<boolean> {
    const before = await fingerprintOf(path);
    if (before === undefined) {
      this.#known.delete(id);
      return false;
    }
    const known = this.#known.get(id);
    if (known !== undefined && same(known, before)) return true;
    this.#hashes++;
    const digest = await hashFile(path);
    const ok = digest?.equals(expected) === true;
    const after = await fingerprintOf(path);
    if (ok && after !== undefined && same(before, after)) this.#known.set(id, after);
    else this.#known.delete(id);
    return ok;
  }
}
