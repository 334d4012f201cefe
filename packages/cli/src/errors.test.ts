// The mapping from every typed error of the toolkit to an exit code, built from the real
// error classes (not look-alikes), plus the byte and secret helpers.
import {
  MediaDownloadError,
  MediaReuploadError,
  MediaUploadError,
  TransferCancelledError,
} from '@wa-media/client';
import { MediaIntegrityError } from '@wa-media/crypto';
import { EmulatorError } from '@wa-media/emulator';
import { HttpStatusError } from '@wa-media/transport';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError, EXIT_CODES, errorKind, exitCodeFor, isCliError, UsageError } from './errors.js';
import { parseBase64, toBase64 } from './io/bytes.js';
import { SecretMask } from './io/output.js';

describe('exit codes', () => {
  it('are distinct per kind', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(EXIT_CODES).toMatchObject({
      ok: 0,
      unexpected: 1,
      usage: 2,
      integrity: 3,
      network: 4,
      notFound: 5,
      reuploadFailed: 6,
      interrupted: 7,
      notAvailable: 8,
    });
  });

  it('map the toolkit errors by kind', () => {
    const integrity = new MediaIntegrityError('mac-mismatch');
    expect(exitCodeFor(integrity)).toBe(3);
    expect(exitCodeFor(new MediaDownloadError('media-not-found', 'gone'))).toBe(5);
    expect(
      exitCodeFor(
        new MediaDownloadError('all-hosts-failed', 'x', {
          attempts: [
            { url: 'u', error: integrity },
            { url: 'v', error: integrity },
          ],
        }),
      ),
    ).toBe(3);
    expect(
      exitCodeFor(
        new MediaDownloadError('all-hosts-failed', 'x', {
          attempts: [
            { url: 'u', error: integrity },
            { url: 'v', status: 503, error: new Error('503') },
          ],
        }),
      ),
    ).toBe(4);
    expect(exitCodeFor(new MediaUploadError('all-hosts-failed', 'x'))).toBe(4);
    expect(exitCodeFor(new MediaUploadError('no-signaling', 'x'))).toBe(2);
    expect(exitCodeFor(new MediaReuploadError('timeout', 'x'))).toBe(6);
    expect(exitCodeFor(new MediaReuploadError('newsletter', 'x'))).toBe(2);
    expect(exitCodeFor(new TransferCancelledError('t1'))).toBe(7);
    expect(exitCodeFor(new EmulatorError('control-failed', 'x'))).toBe(4);
    expect(exitCodeFor(new EmulatorError('bad-option', 'x'))).toBe(2);
    expect(exitCodeFor(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' }))).toBe(
      2,
    );
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(exitCodeFor('a string')).toBe(1);
    expect(exitCodeFor(new UsageError('bad'))).toBe(2);
    expect(exitCodeFor(new CliError('notAvailable', 'later'))).toBe(8);
  });

  it('recognise transport errors as network failures', () => {
    const error = new HttpStatusError({
      status: 502,
      request: { method: 'GET', url: 'http://127.0.0.1:1/x?auth=secret' },
    });
    expect(errorKind(error)).toBe('network');
    expect(exitCodeFor(error)).toBe(4);
  });

  it('isCliError also accepts a copy from another realm (by name and kind)', () => {
    expect(isCliError(new UsageError('x'))).toBe(true);
    expect(isCliError({ name: 'CliError', kind: 'integrity', message: 'x' })).toBe(true);
    expect(isCliError({ name: 'CliError', kind: 'nonsense' })).toBe(false);
    expect(isCliError(new Error('x'))).toBe(false);
  });
});

describe('parseBase64', () => {
  it('accepts both alphabets, padded or not (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }).filter((b) => b.length > 0),
        (bytes) => {
          const standard = toBase64(bytes);
          const url = Buffer.from(bytes).toString('base64url');
          expect(parseBase64('--x', standard)).toEqual(bytes);
          expect(parseBase64('--x', url)).toEqual(bytes);
          expect(parseBase64('--x', standard.replace(/=+$/, ''))).toEqual(bytes);
        },
      ),
    );
  });

  it('names the flag, never the value, when it refuses', () => {
    const secret = 'c2VjcmV0LWtleS1tYXRlcmlhbA';
    expect(() => parseBase64('--media-key', secret, 32)).toThrow(
      /^--media-key must be 32 bytes \(got 19\)$/,
    );
    expect(() => parseBase64('--media-key', 'abc$def')).toThrow(/^--media-key must be base64$/);
    expect(() => parseBase64('--media-key', '')).toThrow(UsageError);
  });
});

describe('SecretMask', () => {
  it('replaces every registered secret', () => {
    const mask = new SecretMask();
    mask.add('token-1234567890');
    mask.add('abc'); // too short to be a secret worth masking (and would mangle text)
    expect(mask.mask('url?auth=token-1234567890&x=token-1234567890 abc')).toBe(
      'url?auth=[redacted]&x=[redacted] abc',
    );
  });
});
