import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectorySync } from './blob-files.js';

describe('DirectorySync (grouped directory fsyncs)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wa-media-dirsync-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('callers arriving before an fsync starts share it', async () => {
    const sync = new DirectorySync(dir);
    const first = sync.flush();
    const second = sync.flush();
    expect(second).toBe(first);
    await first;
    // Once it is done, the next caller needs (and gets) a fresh one.
    expect(sync.flush()).not.toBe(first);
  });

  it('a caller arriving while an fsync runs waits for a later one', async () => {
    const sync = new DirectorySync(dir);
    const order: string[] = [];
    const running = sync.flush();
    const first = running.then(() => order.push('first'));
    // Let the first round start its fsync.
    for (let tick = 0; tick < 5; tick++) await Promise.resolve();
    const next = sync.flush();
    expect(next).not.toBe(running);
    const later = next.then(() => order.push('later'));
    await Promise.all([first, later]);
    expect(order).toEqual(['first', 'later']);
  });

  it('an unreadable directory rejects, and the next flush still runs', async () => {
    const sync = new DirectorySync(join(dir, 'missing'));
    await expect(sync.flush()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(sync.flush()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
