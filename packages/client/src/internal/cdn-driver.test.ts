// The CDN driver's retry rules, one test each, against the emulator's real HTTP hosts: every try
// is a real GET of a seeded blob, decrypted and verified, with the emulator's faults.
import { decryptMedia } from '@wa-media/crypto';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import { buildDownloadUrls } from '@wa-media/protocol';
import { assertOk, readBytes } from '@wa-media/transport';
import { createNodeHttpClient } from '@wa-media/transport/node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MediaDownloadError, type TransferAttempt } from '../errors.js';
import { MediaConnCache } from '../media-conn/media-conn-cache.js';
import {
  type CountingSignaling,
  countingSignaling,
  emulatorServing,
  OWN_JID,
  type SeededMedia,
  seedMedia,
} from '../test-support/harness.js';
import { TransferImpl } from '../transfers/transfer.js';
import { type CdnBudget, type CdnOperation, type CdnTarget, runCdnDriver } from './cdn-driver.js';
import { resolveRetryPolicy } from './cdn-policy.js';

const http = createNodeHttpClient();
let emulator: Emulator;
let signaling: CountingSignaling;
let mediaConn: MediaConnCache;
let media: SeededMedia;

beforeAll(async () => {
  emulator = await startEmulator({ control: false, hosts: 3 });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.reset();
  signaling = countingSignaling(emulator.signaling({ ownJid: OWN_JID }));
  mediaConn = new MediaConnCache({ signaling, queryTimeoutMs: 200 });
  media = seedMedia(emulator, 40_000, { seed: 7 });
});

/** One real try: GET, then every check of the media format. */
async function fetchVerified(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const response = await http.request({ url, signal });
  await assertOk(response);
  const blob = await readBytes(response, { maxBytes: 1024 * 1024 });
  return decryptMedia(blob, {
    type: 'image',
    mediaKey: media.params.mediaKey,
    fileSha256: media.params.fileSha256,
    fileEncSha256: media.params.fileEncSha256,
  });
}

/** A download-like operation; tests override the hooks a rule needs. */
function operation(
  overrides: Partial<CdnOperation<Uint8Array, CdnTarget>> = {},
): CdnOperation<Uint8Array, CdnTarget> {
  return {
    fallbackHosts: emulator.hostnames,
    allHostsFailed: 'No host gave the media',
    targets: (pass) =>
      buildDownloadUrls({
        hosts: pass.hosts,
        directPath: media.stored.directPath,
        scheme: 'http',
      }).map((url) => ({ url })),
    tryOnce: (target, _pass, signal) => fetchVerified(target.url, signal),
    fail: (code, message, details) => new MediaDownloadError(code, message, details),
    ...overrides,
  };
}

function run<R>(
  op: CdnOperation<R, CdnTarget>,
  options: { hasSignaling?: boolean; budget?: CdnBudget; retries?: number } = {},
): TransferImpl<R> {
  const context = {
    mediaConn,
    hasSignaling: options.hasSignaling ?? true,
    retry: resolveRetryPolicy({
      baseDelayMs: 5,
      maxDelayMs: 200,
      ...(options.retries === undefined ? {} : { sameHostRetries: options.retries }),
    }),
  };
  return new TransferImpl<R>(`t-${Math.random()}`, 'download', undefined).start((control) =>
    runCdnDriver(context, control, op, options.budget),
  );
}

async function failure(transfer: { promise: Promise<unknown> }): Promise<MediaDownloadError> {
  const error = await transfer.promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MediaDownloadError)) throw new Error(`expected a failure, got ${error}`);
  return error;
}

/** Host index of each download request, in order. */
const downloadHosts = (): number[] =>
  emulator.log.filter((entry) => entry.kind === 'download').map((entry) => entry.host);
const statuses = (attempts: readonly TransferAttempt[]): (number | undefined)[] =>
  attempts.map((attempt) => attempt.status);

describe('runCdnDriver', () => {
  it('tries the hosts in media_conn order and returns the first verified result', async () => {
    const bytes = await run(operation()).promise;
    expect(bytes).toEqual(media.plain);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0]);
  });

  it('retries the same host after a transient failure (503), with a backoff', async () => {
    emulator.faults.add({
      on: 'download',
      host: 0,
      times: 2,
      fault: { kind: 'status', status: 503 },
    });
    expect(await run(operation()).promise).toEqual(media.plain);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 0, 0]);
  });

  it('moves on to the next host once the same-host retries are spent', async () => {
    emulator.faults.add({ on: 'download', host: 0, times: 'always', fault: { kind: 'reset' } });
    expect(await run(operation(), { retries: 1 }).promise).toEqual(media.plain);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 0, 1]);
  });

  it('does not wait for a Retry-After longer than maxDelayMs: next host at once', async () => {
    emulator.faults.add({
      on: 'download',
      host: 0,
      fault: { kind: 'status', status: 429, retryAfterSec: 5 },
    });
    const started = performance.now();
    expect(await run(operation()).promise).toEqual(media.plain);
    expect(performance.now() - started).toBeLessThan(4000);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 1]);
  });

  it('any other status (500) moves on to the next host without a retry', async () => {
    emulator.faults.add({ on: 'download', host: 0, fault: { kind: 'status', status: 500 } });
    expect(await run(operation()).promise).toEqual(media.plain);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 1]);
  });

  it('401: one media_conn refresh and every host again; a second 401 is auth-failed', async () => {
    emulator.faults.add({ on: 'download', times: 2, fault: { kind: 'status', status: 401 } });
    const error = await failure(run(operation()));
    expect(error.code).toBe('auth-failed');
    expect(statuses(error.attempts)).toEqual([401, 401]);
    expect(signaling.mediaConnQueries).toBe(2);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 0]); // the second pass starts from the first host
  });

  it('the refresh is spent once per operation, also across runs sharing a budget', async () => {
    const budget: CdnBudget = { refreshUsed: false };
    emulator.faults.add({ on: 'download', times: 1, fault: { kind: 'status', status: 403 } });
    expect(await run(operation(), { budget }).promise).toEqual(media.plain);
    expect(budget.refreshUsed).toBe(true);
    emulator.faults.add({ on: 'download', times: 1, fault: { kind: 'status', status: 403 } });
    const error = await failure(run(operation(), { budget }));
    expect(error.code).toBe('auth-failed');
    expect(signaling.mediaConnQueries).toBe(2);
  });

  it('404 without a not-found hook drops the connection and tries the next host', async () => {
    emulator.faults.add({ on: 'download', host: 0, fault: { kind: 'status', status: 404 } });
    expect(await run(operation()).promise).toEqual(media.plain);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 1]);
    expect(mediaConn.peek()).toBeUndefined(); // dropped: the next operation asks again
  });

  it('404 with a not-found hook: the refresh first, then the hook (once the refresh is spent)', async () => {
    emulator.faults.add({ on: 'download', times: 2, fault: { kind: 'status', status: 410 } });
    const seen: number[] = [];
    const op = operation({
      async onNotFound({ status, attempts }) {
        seen.push(status);
        if (seen.length > 1) throw new Error('asked twice');
        attempts.push({ url: 'recovery', error: new Error('noted') });
        return 'new-pass';
      },
    });
    expect(await run(op).promise).toEqual(media.plain);
    expect(seen).toEqual([410]);
    expect(signaling.mediaConnQueries).toBe(2);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 0, 0]);
  });

  it('an integrity failure asks the hook; "again-once" gives the same host one more try', async () => {
    emulator.faults.add({
      on: 'download',
      host: 0,
      times: 2,
      fault: { kind: 'flip', offset: 100 },
    });
    let restarts = 0;
    const op = operation({
      onIntegrity: async () => {
        restarts += 1;
        return 'again-once';
      },
    });
    const bytes = await run(op).promise;
    expect(bytes).toEqual(media.plain);
    expect(restarts).toBe(2);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 0, 1]); // once more on host 0, then the next host
  });

  it('every host failed: all-hosts-failed with each try, its status and the last cause', async () => {
    emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 500 },
    });
    const error = await failure(run(operation()));
    expect(error.code).toBe('all-hosts-failed');
    expect(error.message).toBe('No host gave the media (3 tries)');
    expect(statuses(error.attempts)).toEqual([500, 500, 500]);
    expect(error.attempts.every((attempt) => !attempt.url.includes('hash='))).toBe(true);
    expect(error.cause).toBe(error.attempts.at(-1)?.error);
  });

  it('media_conn failing: the fallback hosts, with the failure kept as an attempt', async () => {
    emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    emulator.faults.add({ on: 'download', host: 0, fault: { kind: 'status', status: 500 } });
    const error = await failure(
      run(operation({ fallbackHosts: [emulator.hostnames[0] as string] })),
    );
    expect(error.attempts.map((attempt) => attempt.url)[0]).toBe('media_conn');
    expect(statuses(error.attempts)).toEqual([undefined, 500]);
  });

  it('media_conn failing without fallback hosts ends the operation with its error', async () => {
    emulator.setSignalingBehavior({ mediaConn: 'ignore' });
    const error = await run(operation({ fallbackHosts: undefined })).promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MediaDownloadError);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([]);
  });

  it('a best-effort target that fails is skipped without the status rules, and not offered again', async () => {
    const hint = `http://${emulator.hostnames[2]}/v/t62.7118-24/not-there?x=1`;
    const op = operation({
      targets: (pass) => [
        { url: hint, bestEffort: true },
        ...buildDownloadUrls({
          hosts: pass.hosts,
          directPath: media.stored.directPath,
          scheme: 'http',
        }).map((url) => ({ url })),
      ],
    });
    // 401 on the first real host forces a second pass: the hint is not tried again.
    emulator.faults.add({
      on: 'download',
      host: 0,
      nth: 1,
      fault: { kind: 'status', status: 401 },
    });
    expect(await run(op).promise).toEqual(media.plain);
    await emulator.whenIdle();
    const hintTries = emulator.log.filter((entry) => entry.path.includes('not-there'));
    expect(hintTries).toHaveLength(1);
    expect(signaling.mediaConnQueries).toBe(2);
  });

  it('a failure the operation stops on ends it at once: as it is, or as its final error', async () => {
    emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'status', status: 503 },
    });
    const broken = new Error('the sink broke');
    const asIs = await run(
      operation({ stops: () => 'as-is', tryOnce: async () => Promise.reject(broken) }),
    ).promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(asIs).toBe(broken);
    const built = await failure(
      run(
        operation({
          stops: () => (attempts) =>
            new MediaDownloadError('writer-failed', 'stopped', { attempts, cause: broken }),
        }),
      ),
    );
    expect(built.code).toBe('writer-failed');
    expect(statuses(built.attempts)).toEqual([503]); // recorded, then no retry
  });

  it('a pause mid-try is not a failure: after resume the same host is tried again, unrecorded', async () => {
    emulator.faults.add({ on: 'download', host: 0, fault: { kind: 'stall', ms: 2000 } });
    const transfer = run(operation());
    await emulatorServing(emulator); // mid-try: the stalled request reached the CDN
    await transfer.pause();
    await transfer.resume();
    expect(await transfer.promise).toEqual(media.plain);
    await emulator.whenIdle();
    expect(downloadHosts()).toEqual([0, 0]);
  });
});
