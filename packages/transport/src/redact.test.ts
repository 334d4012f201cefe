// Redaction of URLs, free text and headers, with property tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectSecrets, REDACTED, redactHeaders, redactText, redactUrl } from './redact.js';

const CDN =
  'https://mmg.whatsapp.net/v/t62.7118-24/abc.enc?ccb=11-4&oh=01_Q5AaI&oe=65F0A1B2&_nc_sid=5e03e0&mms3=true';

describe('redactUrl', () => {
  it('redacts oh/auth/token/hash values and keeps everything else byte for byte', () => {
    expect(redactUrl(CDN)).toBe(
      'https://mmg.whatsapp.net/v/t62.7118-24/abc.enc?ccb=11-4&oh=REDACTED&oe=65F0A1B2&_nc_sid=5e03e0&mms3=true',
    );
    expect(redactUrl('https://h/mms/image/x?auth=AbC%2B%2F%3D&token=t0k&hash=h4sh&oe=a+b')).toBe(
      'https://h/mms/image/x?auth=REDACTED&token=REDACTED&hash=REDACTED&oe=a+b',
    );
  });

  it('is case-insensitive on names, handles URL objects, userinfo and fragments', () => {
    expect(redactUrl(new URL('https://u:pw@h/p?AUTH=1&Token=2#frag'))).toBe(
      'https://u:REDACTED@h/p?AUTH=REDACTED&Token=REDACTED#frag',
    );
    expect(redactUrl('https://h/p?auth')).toBe('https://h/p?REDACTED');
    expect(redactUrl('https://h/p?resume')).toBe('https://h/p?resume');
    expect(redactUrl('not a url ?auth=secret1')).toBe('not a url ?auth=REDACTED');
  });

  it('redacts path segments equal to a redacted query value (CDN upload URLs)', () => {
    const token = 'AbCdEf-TokenValue_123';
    expect(
      redactUrl(`https://mmg.whatsapp.net/mms/image/${token}?auth=AUTH%2Bx&token=${token}`),
    ).toBe('https://mmg.whatsapp.net/mms/image/REDACTED?auth=REDACTED&token=REDACTED');
    // The resume-probe and file_offset forms, and a percent-encoded token in the path.
    expect(
      redactUrl(`https://h/mms/video/${token}?auth=a1b2c3&token=${token}&resume=1&file_offset=5`),
    ).toBe('https://h/mms/video/REDACTED?auth=REDACTED&token=REDACTED&resume=1&file_offset=5');
    expect(redactUrl('https://h/mms/image/a%2Bb%3D?token=a%2Bb%3D')).toBe(
      'https://h/mms/image/REDACTED?token=REDACTED',
    );
    expect(redactUrl('https://h/mms/image/a+b=?token=a%2Bb%3D')).toBe(
      'https://h/mms/image/REDACTED?token=REDACTED',
    );
    // A secret inside a longer segment, and the host is never touched.
    expect(redactUrl(`https://h/x/${token}.enc?oh=${token}`)).toBe(
      'https://h/x/REDACTED.enc?oh=REDACTED',
    );
    expect(redactUrl('https://h/p/q?oh=')).toBe('https://h/p/q?oh=REDACTED');
  });

  it('never lets a generated upload token through, in the path or the query (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{4,43}$/),
        fc.constantFrom('image', 'video', 'document', 'audio'),
        (token, kind) => {
          const url = `https://mmg.whatsapp.net/mms/${kind}/${token}?auth=A&token=${token}`;
          const out = redactUrl(url);
          expect(out).not.toContain(token);
          expect(out).toContain(`/mms/${kind}/`);
        },
      ),
    );
  });

  it('leaves URLs whose parameters are all on the allow-list untouched', () => {
    const plain = 'https://h/p?ccb=11-4&OE=%20x&resume=1#y';
    expect(redactUrl(plain)).toBe(plain);
  });

  it('redacts by allow-list: _nc_ohc and names nobody listed are hidden, in URLs and free text', () => {
    const signed =
      'https://scontent.whatsapp.net/v/t61/x.jpg?_nc_cat=1&_nc_ohc=Sig9Q7xZ2&_nc_ht=s.net&oh=00_A&oe=6600&X-Amz-Signature=deadbeef99';
    expect(redactUrl(signed)).toBe(
      'https://scontent.whatsapp.net/v/t61/x.jpg?_nc_cat=1&_nc_ohc=REDACTED&_nc_ht=s.net&oh=REDACTED&oe=6600&X-Amz-Signature=REDACTED',
    );
    const text = redactText(`GET ${signed} failed; nested ${encodeURIComponent(signed)}`);
    for (const secret of ['Sig9Q7xZ2', '00_A', 'deadbeef99']) expect(text).not.toContain(secret);
    expect(text).toContain('_nc_cat=1');
    expect(text).toContain('oe=6600');
    expect(collectSecrets(signed)).toEqual(['Sig9Q7xZ2', '00_A', 'deadbeef99']);
  });

  it('never lets the value of a name outside the allow-list through (property)', () => {
    const name = fc
      .stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,12}$/)
      .filter(
        (candidate) =>
          ![
            'ccb',
            'oe',
            '_nc_sid',
            '_nc_cat',
            '_nc_ht',
            'mms3',
            'resume',
            'file_offset',
            'category',
          ].includes(candidate.toLowerCase()),
      );
    fc.assert(
      fc.property(name, fc.stringMatching(/^[A-Za-z0-9]{6,30}$/), (param, value) => {
        const url = `https://mmg.whatsapp.net/v/x.enc?ccb=11-4&${param}=${value}&oe=end`;
        const out = redactUrl(url);
        expect(out).not.toContain(value);
        expect(new URL(out).searchParams.get('oe')).toBe('end');
        expect(redactText(`failed: ${url}`)).not.toContain(value);
      }),
    );
  });

  it('never lets a generated secret value through (property)', () => {
    const name = fc.constantFrom('auth', 'token', 'oh', 'hash', 'AUTH', 'Oh');
    const secret = fc.string({ minLength: 1, maxLength: 40 }).map((s) => `S${s}`);
    fc.assert(
      fc.property(name, secret, fc.boolean(), (param, value, first) => {
        const url = new URL('https://mmg.whatsapp.net/v/x.enc');
        if (!first) url.searchParams.set('ccb', '11-4');
        url.searchParams.set(param, value);
        url.searchParams.set('oe', 'end');
        const out = redactUrl(url);
        const parsed = new URL(out);
        expect(parsed.searchParams.get(param)).toBe(REDACTED);
        expect(parsed.searchParams.get('oe')).toBe('end');
      }),
    );
  });
});

describe('redactText', () => {
  it('scrubs URLs, Authorization values and known secrets inside free text', () => {
    const text = `connect ECONNREFUSED for ${CDN} with {"Authorization":"Bearer abc.def"} and authorization: Basic dXNlcg==`;
    const out = redactText(text);
    expect(out).not.toContain('01_Q5AaI');
    expect(out).not.toContain('abc.def');
    expect(out).not.toContain('dXNlcg==');
    expect(out).toContain('oe=65F0A1B2');
    expect(redactText('a xyz secret b xyz%20secret', ['xyz secret'])).toBe('a REDACTED b REDACTED');
    expect(redactText('a b c', ['b'])).toBe('a b c');
  });

  it('scrubs percent-encoded URLs nested in other URLs', () => {
    const nested = `https://proxy/?target=${encodeURIComponent(CDN)}`;
    expect(redactText(nested)).not.toContain('01_Q5AaI');
  });

  it('never lets a secret value collected from a request through (property)', () => {
    fc.assert(
      // Lower-case secrets, so that no secret can be spelled by the upper-case marker itself.
      fc.property(fc.stringMatching(/^[a-z0-9._~-]{4,30}$/), fc.string(), (secret, noise) => {
        const url = new URL('https://h/p');
        url.searchParams.set('token', secret);
        const secrets = collectSecrets(url, { Authorization: `Bearer ${secret}` });
        const out = redactText(`${noise}${secret}${noise}`, secrets);
        expect(out).not.toContain(secret);
      }),
    );
  });
});

describe('redactHeaders', () => {
  it('replaces credential headers and redacts URLs in others', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer x',
        cookie: 'a=b',
        location: CDN,
        'content-type': 'x',
      }),
    ).toEqual({
      Authorization: REDACTED,
      cookie: REDACTED,
      location: redactUrl(CDN),
      'content-type': 'x',
    });
  });
});
