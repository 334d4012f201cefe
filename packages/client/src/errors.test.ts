import { describe, expect, it } from 'vitest';
import {
  isMediaClientError,
  isMediaDownloadError,
  isTransferStateError,
  MediaDownloadError,
  MediaReuploadError,
  safeUrl,
  TransferStateError,
} from './errors.js';

describe('errors', () => {
  it('carry a code, a name, keep the cause and are recognised by name across copies', () => {
    const cause = new Error('inner');
    const error = new MediaDownloadError('all-hosts-failed', 'nope', {
      cause,
      attempts: [{ url: 'http://h/x', status: 500, error: cause }],
    });
    expect(error.name).toBe('MediaDownloadError');
    expect(error.cause).toBe(cause);
    expect(error.status).toBe(500);
    expect(isMediaClientError(error)).toBe(true);
    const lookalike = { name: 'MediaDownloadError', code: 'all-hosts-failed', message: 'x' };
    expect(isMediaDownloadError(lookalike)).toBe(true);
    expect(isMediaDownloadError(new Error('x'))).toBe(false);
    const json = JSON.parse(
      JSON.stringify(new MediaReuploadError('timeout', 't', { msgId: 'm', cause })),
    );
    expect(json).toMatchObject({
      name: 'MediaReuploadError',
      code: 'timeout',
      msgId: 'm',
      cause: { message: 'inner' },
    });
  });

  it('TransferStateError says which state or that the id is unknown', () => {
    const ended = new TransferStateError('transfer-ended', 'abc', { state: 'succeeded' });
    expect(ended.message).toContain('succeeded');
    expect(isTransferStateError(ended)).toBe(true);
    expect(new TransferStateError('unknown-transfer', 'zz').message).toContain('zz');
  });

  it('safeUrl redacts auth, token and signed query values', () => {
    const url = safeUrl(
      'https://mmg.whatsapp.net/v/x.enc?ccb=11-4&oh=SECRETOH&oe=6700&auth=SECRETAUTH&hash=H',
    );
    expect(url).not.toContain('SECRETOH');
    expect(url).not.toContain('SECRETAUTH');
  });
});
