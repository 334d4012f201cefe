import { describe, expect, it } from 'vitest';
import {
  ClientArgumentError,
  isClientArgumentError,
  isMediaClientError,
  isMediaConnFetchError,
  isMediaDownloadError,
  isSignalingTimeoutError,
  isTransferStateError,
  isUnsupportedMessageError,
  MediaClientError,
  MediaConnFetchError,
  MediaDownloadError,
  MediaReuploadError,
  SignalingTimeoutError,
  safeUrl,
  TransferStateError,
  UnsupportedMessageError,
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

  it('every guard recognises its class, a lookalike by name, and nothing else', () => {
    const cause = new Error('socket closed');
    const cases = [
      [
        isMediaConnFetchError,
        new MediaConnFetchError('query-failed', 'q', { cause }),
        'MediaConnFetchError',
      ],
      [isUnsupportedMessageError, new UnsupportedMessageError('u'), 'UnsupportedMessageError'],
      [isClientArgumentError, new ClientArgumentError('start', 'bad'), 'ClientArgumentError'],
      [isSignalingTimeoutError, new SignalingTimeoutError('t', { cause }), 'SignalingTimeoutError'],
    ] as const;
    for (const [guard, error, name] of cases) {
      expect(guard(error)).toBe(true);
      expect(error).toBeInstanceOf(MediaClientError);
      expect(isMediaClientError(error)).toBe(true);
      expect(guard({ name, code: error.code, message: 'x' })).toBe(true);
      expect(guard(new Error('x'))).toBe(false);
      expect(guard(new MediaDownloadError('all-hosts-failed', 'x'))).toBe(false);
    }
    const timeout = new SignalingTimeoutError('No reply within 5 ms', { cause });
    expect(timeout.code).toBe('signaling-timeout');
    expect(timeout.cause).toBe(cause);
  });
});
