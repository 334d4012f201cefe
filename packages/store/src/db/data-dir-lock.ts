import { open, readFile, unlink } from 'node:fs/promises';
import { MediaStoreError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dataDir>/store.lock` (holding our pid) so two processes never run one store: the
 * second would put the first one's running jobs back to pending. A lock left by a killed
 * process (its pid no longer runs) is taken over.
 * @throws {MediaStoreError} `locked` when a live process holds it.
 * @returns a function that releases the lock
 */
export async function lockDataDir(file: string): Promise<() => Promise<void>> {
  for (let tries = 0; tries < 2; tries++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await unlink(file).catch(() => undefined);
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      throw new MediaStoreError(
        'locked',
        `the data directory is in use by process ${holder}${holder === process.pid ? ' (this one: close the other store first)' : ''}`,
      );
    }
    await unlink(file).catch(() => undefined);
  }
  throw new MediaStoreError('locked', 'could not take the data directory lock');
}
