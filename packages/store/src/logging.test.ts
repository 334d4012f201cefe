// The store's `logger` option, with the real client over the emulator: registration, each
// download attempt (started, succeeded with bytes and ms, failed with its kind and whether it
// is retried), and no line holding the media key or the direct path's signed query.
import { recordingLogger } from '@wa-media/emulator';
import { afterEach, describe, expect, it } from 'vitest';
import { receivedIn, seedImage } from './test-support/media-fixtures.js';
import { eventually, type Harness, startHarness } from './test-support/store-harness.js';

function secretsOf(media: { mediaKey: Uint8Array; directPath: string }): string[] {
  const key = Buffer.from(media.mediaKey);
  const query = [...new URL(media.directPath, 'http://x').searchParams.values()];
  return [key.toString('base64'), key.toString('hex'), ...query.filter((v) => v.length >= 4)];
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('the store logger', () => {
  it('logs registration, attempts, retries and the final outcome without secrets', async () => {
    const logger = recordingLogger();
    h = await startHarness({ logger });
    const good = seedImage(h.emulator, { size: 30_000 });
    const { id } = await h.store.register(good.message, receivedIn(good));
    await eventually(async () =>
      (await h?.store.get(id))?.status === 'downloaded' ? true : undefined,
    );

    const registered = logger.lines.find((line) => line.msg === 'media registered');
    expect(registered?.obj).toMatchObject({
      component: 'wa-media/store',
      mediaId: id,
      mediaType: 'image',
      fileLength: 30_000,
    });
    expect(logger.lines.find((line) => line.msg === 'download started')?.obj).toMatchObject({
      mediaId: id,
      attempt: 1,
    });
    const done = logger.lines.find((line) => line.msg === 'download succeeded');
    expect(done?.level).toBe('info');
    expect(done?.obj).toMatchObject({ mediaId: id, attempt: 1, bytes: 30_000 });
    expect(typeof done?.obj.ms).toBe('number');

    // Every host failing: two retried attempts, then the final one.
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    const bad = seedImage(h.emulator, { size: 10_000 });
    const failedId = (await h.store.register(bad.message, receivedIn(bad))).id;
    await eventually(async () =>
      (await h?.store.get(failedId))?.status === 'failed' ? true : undefined,
    );
    const failures = logger.lines.filter(
      (line) => line.msg === 'download failed' && line.obj.mediaId === failedId,
    );
    expect(failures.map((line) => [line.level, line.obj.attempt, line.obj.final])).toEqual([
      ['warn', 1, false],
      ['warn', 2, false],
      ['error', 3, true],
    ]);
    expect(failures[0]?.obj).toMatchObject({ kind: 'network' });
    expect(typeof failures[0]?.obj.retryInMs).toBe('number');
    for (const line of logger.lines) {
      for (const secret of [...secretsOf(good), ...secretsOf(bad)]) {
        expect(line.text, `a line leaks ${secret}`).not.toContain(secret);
      }
    }
  });
});
