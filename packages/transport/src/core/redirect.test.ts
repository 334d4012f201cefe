// The redirect rule without a server: every branch of decideRedirect.
import { describe, expect, it } from 'vitest';
import { decideRedirect, type RedirectInput } from './redirect.js';

const base: RedirectInput = {
  mode: 'follow',
  status: 302,
  location: '/next',
  method: 'GET',
  url: new URL('https://cdn.example/start?auth=secret-token'),
  redirectCount: 0,
  maxRedirects: 5,
  body: 'none',
};

const decide = (over: Partial<RedirectInput>) => decideRedirect({ ...base, ...over });

describe('decideRedirect', () => {
  it('delivers answers that are not redirects, manual mode and a 3xx without Location', () => {
    expect(decide({ status: 200 })).toEqual({ kind: 'deliver' });
    expect(decide({ status: 304 })).toEqual({ kind: 'deliver' });
    expect(decide({ mode: 'manual' })).toEqual({ kind: 'deliver' });
    expect(decide({ location: undefined })).toEqual({ kind: 'deliver' });
  });

  it('follows a relative Location on the same origin, keeping method, body and headers', () => {
    const decision = decide({ status: 307, method: 'PUT', body: 'bytes' });
    expect(decision).toEqual({
      kind: 'follow',
      url: new URL('https://cdn.example/next'),
      method: 'PUT',
      dropBody: false,
      dropHeaders: [],
    });
  });

  it('turns 303, and 301/302 after POST, into a body-less GET (HEAD stays HEAD)', () => {
    for (const [status, method, expected] of [
      [303, 'PUT', 'GET'],
      [303, 'HEAD', 'HEAD'],
      [301, 'POST', 'GET'],
      [302, 'POST', 'GET'],
    ] as const) {
      const decision = decide({ status, method, body: method === 'HEAD' ? 'none' : 'stream' });
      expect(decision, `${status} ${method}`).toMatchObject({
        kind: 'follow',
        method: expected,
        dropBody: true,
      });
    }
    // 301/302 after another method keep it (and a stream cannot be re-sent).
    expect(decide({ status: 301, method: 'PUT', body: 'bytes' })).toMatchObject({
      kind: 'follow',
      method: 'PUT',
      dropBody: false,
    });
  });

  it('drops credential headers when the redirect leaves the origin', () => {
    expect(decide({ location: 'https://other.example/x' })).toMatchObject({
      kind: 'follow',
      dropHeaders: ['authorization', 'proxy-authorization', 'cookie'],
    });
    // Another port is another origin too.
    expect(decide({ location: 'https://cdn.example:8443/x' })).toMatchObject({
      dropHeaders: ['authorization', 'proxy-authorization', 'cookie'],
    });
  });

  it('fails past maxRedirects', () => {
    expect(decide({ redirectCount: 4 })).toMatchObject({ kind: 'follow' });
    expect(decide({ redirectCount: 5 })).toEqual({
      kind: 'fail',
      message: 'Too many redirects (more than 5)',
    });
    expect(decide({ maxRedirects: 0 })).toMatchObject({ kind: 'fail' });
  });

  it('fails on an unusable Location: invalid, or not http(s)', () => {
    const invalid = decide({ location: 'http://[::1' });
    expect(invalid).toMatchObject({
      kind: 'fail',
      message: 'Redirect with an invalid Location header',
    });
    expect((invalid as { cause?: unknown }).cause).toBeInstanceOf(TypeError);
    expect(decide({ location: 'file:///etc/passwd' })).toEqual({
      kind: 'fail',
      message: 'Redirect to unsupported protocol file:',
    });
  });

  it('fails to re-send a streamed body, naming the target redacted', () => {
    const decision = decide({
      status: 308,
      method: 'PUT',
      body: 'stream',
      location: '/upload?auth=other-secret',
    });
    expect(decision.kind).toBe('fail');
    const message = (decision as { message: string }).message;
    expect(message).toMatch(
      /Cannot re-send a streamed request body .* PUT https:\/\/cdn\.example\/upload/,
    );
    expect(message).not.toContain('other-secret');
  });
});

describe('decideRedirect: destination rules', () => {
  it('never follows https to plain http, even to the same host', () => {
    const decision = decide({ location: 'http://cdn.example/next' });
    expect(decision.kind).toBe('fail');
    expect(decision.kind === 'fail' && decision.message).toMatch(/https to plain http/);
  });

  it('refuses a target outside the caller allow-list and follows one inside it', () => {
    const allowRedirect = (url: URL) => url.hostname.endsWith('.example');
    const foreign = decide({ location: 'https://evil.test/x', allowRedirect });
    expect(foreign.kind === 'fail' && foreign.message).toMatch(/outside the allowed set/);
    expect(decide({ location: 'https://other.example/x', allowRedirect }).kind).toBe('follow');
  });

  it('refuses private, loopback and link-local IP literals only when asked to', () => {
    for (const location of [
      'https://127.0.0.1:8080/latest/meta-data/iam',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://[fe80::1]/',
    ]) {
      const refused = decide({ location, publicAddressesOnly: true });
      expect(refused.kind === 'fail' && refused.message, location).toMatch(/private, loopback/);
      expect(decide({ location }).kind, location).toBe('follow');
    }
    expect(decide({ location: 'https://93.184.216.34/', publicAddressesOnly: true }).kind).toBe(
      'follow',
    );
  });
});
