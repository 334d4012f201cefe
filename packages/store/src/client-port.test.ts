import { MediaIntegrityError } from '@wa-media/crypto';
import { describe, expect, it } from 'vitest';
import { classifyDownloadFailure } from './client-port.js';

const error = (fields: Record<string, unknown>): Error => Object.assign(new Error('x'), fields);

describe('classifyDownloadFailure', () => {
  it.each([
    [error({ name: 'MediaDownloadError', code: 'expired' }), 'expired'],
    [
      error({ name: 'MediaDownloadError', attempts: [{ status: 404 }, { status: 410 }] }),
      'expired',
    ],
    [
      error({ name: 'MediaDownloadError', attempts: [{ status: 404 }, { status: 503 }] }),
      'network',
    ],
    [error({ status: 429 }), 'network'],
    [error({ code: 'ECONNRESET' }), 'network'],
    [error({ name: 'MediaReuploadError', code: 'not-found' }), 'reupload-not-found'],
    [error({ name: 'MediaReuploadError', code: 'timeout' }), 'reupload-failed'],
    [new MediaIntegrityError('mac-mismatch'), 'integrity'],
    [error({ code: 'sha256-mismatch' }), 'integrity'],
    [error({ name: 'NoMediaError' }), 'unsupported'],
    [error({ name: 'AbortError' }), 'aborted'],
    [
      error({ name: 'MediaDownloadError', cause: new MediaIntegrityError('bad-padding') }),
      'integrity',
    ],
    [error({ name: 'Wrapper', cause: error({ cause: error({ code: 'expired' }) }) }), 'expired'],
    // Shapes of @wa-media/client's errors.
    [error({ name: 'MediaDownloadError', code: 'media-not-found', status: 404 }), 'expired'],
    [
      error({
        name: 'MediaDownloadError',
        code: 'media-not-found',
        cause: error({ name: 'MediaReuploadError', code: 'timeout' }),
      }),
      'reupload-failed',
    ],
    [
      error({
        name: 'MediaDownloadError',
        code: 'media-not-found',
        cause: error({ name: 'MediaReuploadError', code: 'newsletter' }),
      }),
      'expired',
    ],
    [error({ name: 'MediaDownloadError', code: 'missing-media-fields' }), 'unsupported'],
    // The client's reupload outcomes as download codes (404/410, then the phone answered).
    [error({ name: 'MediaDownloadError', code: 'reupload-not-found' }), 'reupload-not-found'],
    [error({ name: 'MediaDownloadError', code: 'reupload-general-error' }), 'reupload-failed'],
    [error({ name: 'MediaDownloadError', code: 'reupload-decryption-error' }), 'expired'],
    [
      error({
        name: 'MediaDownloadError',
        code: 'all-hosts-failed',
        attempts: [
          { url: 'a', error: new MediaIntegrityError('mac-mismatch') },
          { url: 'b', status: 503 },
        ],
      }),
      'integrity',
    ],
    [
      error({
        name: 'MediaDownloadError',
        code: 'all-hosts-failed',
        attempts: [
          { url: 'a', status: 503 },
          { url: 'b', error: error({ code: 'ECONNRESET' }) },
        ],
      }),
      'network',
    ],
    [error({ name: 'TransferCancelledError', code: 'cancelled' }), 'aborted'],
    [new Error('plain'), 'unknown'],
    ['a string', 'unknown'],
    [null, 'unknown'],
  ])('%o → %s', (input, kind) => {
    expect(classifyDownloadFailure(input)).toBe(kind);
  });

  it('survives a cause cycle', () => {
    const a = error({ name: 'A' });
    const b = error({ name: 'B', cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(classifyDownloadFailure(a)).toBe('unknown');
  });
});
