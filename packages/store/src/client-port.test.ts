import {
  MediaDownloadError,
  MediaReuploadError,
  NoMediaError,
  TransferCancelledError,
  UnsupportedMessageError,
} from '@wa-media/client';
import { MediaIntegrityError } from '@wa-media/crypto';
import { AbortError, HttpStatusError, NetworkError, TimeoutError } from '@wa-media/transport';
import { describe, expect, it } from 'vitest';
import { classifyDownloadFailure } from './client-port.js';

const gone = (code: 'media-not-found', cause?: unknown) =>
  new MediaDownloadError(code, 'gone', cause === undefined ? {} : { cause });
const hosts = (...attempts: { status?: number; error: unknown }[]) =>
  new MediaDownloadError('all-hosts-failed', 'every host failed', {
    attempts: attempts.map((attempt, index) => ({ url: `https://h${index}/x`, ...attempt })),
  });
const status = (code: number) => new HttpStatusError({ status: code });
const reset = () => new NetworkError('reset', { phase: 'download', code: 'ECONNRESET' });

describe('classifyDownloadFailure (through the client, crypto and transport guards)', () => {
  it.each([
    [gone('media-not-found'), 'expired'],
    [hosts({ status: 404, error: status(404) }, { status: 410, error: status(410) }), 'expired'],
    [hosts({ status: 404, error: status(404) }, { status: 503, error: status(503) }), 'network'],
    [status(429), 'network'],
    [status(404), 'expired'],
    [reset(), 'network'],
    [new TimeoutError({ phase: 'headers', timeoutMs: 10 }), 'network'],
    [gone('media-not-found', new MediaReuploadError('timeout', 'no answer')), 'reupload-failed'],
    [gone('media-not-found', new MediaReuploadError('newsletter', 'channel')), 'expired'],
    [new MediaReuploadError('timeout', 'no answer'), 'reupload-failed'],
    [new MediaReuploadError('no-signaling', 'none'), 'expired'],
    [new MediaReuploadError('aborted', 'stopped'), 'aborted'],
    [new MediaIntegrityError('mac-mismatch'), 'integrity'],
    [new MediaIntegrityError('sha256-mismatch'), 'integrity'],
    // A code the old string list missed.
    [new MediaIntegrityError('sidecar-mismatch'), 'integrity'],
    [new NoMediaError('no media'), 'unsupported'],
    [new UnsupportedMessageError('not media'), 'unsupported'],
    [new AbortError({ phase: 'download' }), 'aborted'],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'aborted'],
    [new TransferCancelledError('t1'), 'aborted'],
    [
      new MediaDownloadError('writer-failed', 'x', {
        cause: new MediaIntegrityError('bad-padding'),
      }),
      'integrity',
    ],
    [
      new Error('wrapper', { cause: new Error('inner', { cause: gone('media-not-found') }) }),
      'expired',
    ],
    [new MediaDownloadError('missing-media-fields', 'no key'), 'unsupported'],
    // The client's reupload outcomes as download codes (404/410, then the phone answered).
    [new MediaDownloadError('reupload-not-found', 'x'), 'reupload-not-found'],
    [new MediaDownloadError('reupload-general-error', 'x'), 'reupload-failed'],
    [new MediaDownloadError('reupload-decryption-error', 'x'), 'expired'],
    [
      hosts(
        { error: new MediaIntegrityError('mac-mismatch') },
        { status: 503, error: status(503) },
      ),
      'integrity',
    ],
    [hosts({ status: 503, error: status(503) }, { error: reset() }), 'network'],
    [new Error('plain'), 'unknown'],
    ['a string', 'unknown'],
    [null, 'unknown'],
  ])('%o → %s', (input, kind) => {
    expect(classifyDownloadFailure(input)).toBe(kind);
  });

  it('recognises copies of the errors from a duplicated install (by name and code)', () => {
    const copy = Object.assign(new Error('x'), {
      name: 'MediaDownloadError',
      code: 'media-not-found',
    });
    expect(classifyDownloadFailure(copy)).toBe('expired');
  });

  it('survives a cause cycle', () => {
    const a = Object.assign(new Error('a'), { name: 'A' });
    const b = Object.assign(new Error('b'), { name: 'B', cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyDownloadFailure(a)).toBe('unknown');
  });
});
