// CDN URLs and replies: constants, upload tokens and URLs, download URLs, upload replies and
// resume probes (with property tests).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, UploadReplyError } from '../errors.js';
import { catchError } from '../test-support/catch-error.js';
import { parseResumeProbe, parseUploadReply } from './replies.js';
import {
  buildDownloadUrls,
  buildUploadUrl,
  CDN_HEADERS,
  DEFAULT_CDN_HOSTS,
  mediaUploadToken,
  RESUMABLE_UPLOAD_THRESHOLD,
} from './urls.js';

// SHA-256("") — a digest with '+' and '/' in standard base64, so base64url is visible.
const hash = new Uint8Array(
  Buffer.from('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'),
);
const token = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';
const AUTH = 'AUTH+secret/token==';
const directPath =
  '/v/t62.7118-24/30578806_1_2.enc?ccb=11-4&oh=01_Q5AaI&oe=6650A1B2&_nc_sid=5e03e0';

describe('constants', () => {
  it('match docs/protocol.md §4', () => {
    expect(CDN_HEADERS).toEqual({
      Origin: 'https://web.whatsapp.com',
      Referer: 'https://web.whatsapp.com/',
    });
    expect(Object.isFrozen(CDN_HEADERS)).toBe(true);
    expect(DEFAULT_CDN_HOSTS).toEqual(['mmg.whatsapp.net', 'mmg-fallback.whatsapp.net']);
    expect(RESUMABLE_UPLOAD_THRESHOLD).toBe(5 * 1024 * 1024);
  });
});

describe('mediaUploadToken', () => {
  it('is base64url without padding (golden)', () => {
    expect(mediaUploadToken(hash)).toBe(token);
  });

  it('equals Node base64url for any digest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        expect(mediaUploadToken(digest)).toBe(Buffer.from(digest).toString('base64url'));
      }),
    );
  });

  it('rejects anything but 32 bytes', () => {
    expect(catchError(() => mediaUploadToken(new Uint8Array(31)))).toMatchObject({
      parameter: 'hash',
    });
    expect(() => mediaUploadToken('abc' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  });
});

describe('buildUploadUrl', () => {
  const base = { host: 'mmg.whatsapp.net', uploadPath: '/mms/image', token, auth: AUTH };
  it('builds the plain, resume-probe and file_offset forms (golden)', () => {
    expect(buildUploadUrl(base)).toBe(
      `https://mmg.whatsapp.net/mms/image/${token}?auth=AUTH%2Bsecret%2Ftoken%3D%3D&token=${token}`,
    );
    expect(buildUploadUrl({ ...base, resumeProbe: true })).toBe(
      `https://mmg.whatsapp.net/mms/image/${token}?auth=AUTH%2Bsecret%2Ftoken%3D%3D&token=${token}&resume=1`,
    );
    expect(buildUploadUrl({ ...base, fileOffset: 5_242_880 })).toBe(
      `https://mmg.whatsapp.net/mms/image/${token}?auth=AUTH%2Bsecret%2Ftoken%3D%3D&token=${token}&file_offset=5242880`,
    );
    expect(
      buildUploadUrl({
        ...base,
        host: '127.0.0.1:8443',
        scheme: 'http',
        uploadPath: '/mms/md-msg-hist',
      }),
    ).toBe(
      `http://127.0.0.1:8443/mms/md-msg-hist/${token}?auth=AUTH%2Bsecret%2Ftoken%3D%3D&token=${token}`,
    );
  });

  it('parses back with URL to the same parts', () => {
    const url = new URL(buildUploadUrl({ ...base, fileOffset: 7 }));
    expect(url.pathname).toBe(`/mms/image/${token}`);
    expect(url.searchParams.get('auth')).toBe(AUTH);
    expect(url.searchParams.get('token')).toBe(token);
    expect(url.searchParams.get('file_offset')).toBe('7');
  });

  it.each<[string, Record<string, unknown>]>([
    ['host', { host: 'mmg.whatsapp.net/evil' }],
    ['host', { host: '' }],
    ['host', { host: 'user@mmg.whatsapp.net' }],
    ['scheme', { scheme: 'ftp' }],
    ['uploadPath', { uploadPath: 'mms/image' }],
    ['uploadPath', { uploadPath: '/mms/image?x=1' }],
    ['token', { token: '47DEQpj8HBSa+/TImW==' }],
    ['token', { token: '' }],
    ['auth', { auth: '' }],
    ['fileOffset', { fileOffset: 0 }],
    ['fileOffset', { fileOffset: 1.5 }],
    ['fileOffset', { fileOffset: 3, resumeProbe: true }],
  ])('names %s and never prints the auth token', (parameter, override) => {
    const error = catchError(() => buildUploadUrl({ ...base, ...override } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ parameter, code: 'invalid-argument' });
    expect(error.message).not.toContain(AUTH);
    expect(error.message).not.toContain(encodeURIComponent(AUTH));
  });
});

describe('buildDownloadUrls', () => {
  it('builds hosts × directPath with WhatsApp Web parameters (golden)', () => {
    expect(
      buildDownloadUrls({
        hosts: ['media-gru1-1.cdn.whatsapp.net', 'mmg.whatsapp.net'],
        directPath,
        fileEncSha256: hash,
        mmsType: 'image',
      }),
    ).toEqual([
      `https://media-gru1-1.cdn.whatsapp.net${directPath}&hash=${token}&mms-type=image&__wa-mms=`,
      `https://mmg.whatsapp.net${directPath}&hash=${token}&mms-type=image&__wa-mms=`,
    ]);
  });

  it('uses "?" when the directPath has no query, and keeps it verbatim otherwise', () => {
    expect(
      buildDownloadUrls({
        hosts: ['mmg.whatsapp.net'],
        directPath: '/mms/image/abc.enc',
        mmsType: 'thumbnail-link',
      }),
    ).toEqual(['https://mmg.whatsapp.net/mms/image/abc.enc?mms-type=thumbnail-link&__wa-mms=']);
    expect(buildDownloadUrls({ hosts: DEFAULT_CDN_HOSTS, directPath })).toEqual([
      `https://mmg.whatsapp.net${directPath}`,
      `https://mmg-fallback.whatsapp.net${directPath}`,
    ]);
  });

  it('puts staticUrl first, as is, and drops duplicate hosts', () => {
    const staticUrl = 'https://static.whatsapp.net/downloadable?category=PSA&id=1';
    expect(
      buildDownloadUrls({
        hosts: ['a.example', 'a.example', '127.0.0.1:9000'],
        directPath: '/p?x=1',
        staticUrl,
        scheme: 'http',
      }),
    ).toEqual([staticUrl, 'http://a.example/p?x=1', 'http://127.0.0.1:9000/p?x=1']);
    expect(buildDownloadUrls({ hosts: [], directPath, staticUrl })).toEqual([staticUrl]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['directPath', { directPath: 'https://mmg.whatsapp.net/v/x.enc' }],
    ['directPath', { directPath: '' }],
    ['hosts', { hosts: [] }],
    ['hosts[1]', { hosts: ['ok.example', 'bad host'] }],
    ['hash', { fileEncSha256: new Uint8Array(3) }],
    ['mmsType', { mmsType: '' }],
    ['scheme', { scheme: 'file' }],
  ])('names %s and never prints the signed directPath', (parameter, override) => {
    const error = catchError(() =>
      buildDownloadUrls({ hosts: ['mmg.whatsapp.net'], directPath, ...override } as never),
    );
    expect(error).toMatchObject({ parameter });
    expect(error.message).not.toContain('oh=');
  });
});

describe('parseUploadReply', () => {
  const json = {
    url: 'https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m1/abc?ccb=9-4&oh=01_Q5&oe=66',
    direct_path: '/o1/v/t62.7118-24/f1/m1/abc?ccb=9-4&oh=01_Q5&oe=66',
    handle: 'HANDLE',
    object_id: 'OBJ',
    meta_hmac: 'HMAC',
    ts: 1700000000,
    fbid: 123456789,
  };

  it('parses every field from an object, text or bytes', () => {
    const expected = {
      url: json.url,
      directPath: json.direct_path,
      handle: 'HANDLE',
      objectId: 'OBJ',
      metaHmac: 'HMAC',
      ts: 1700000000,
      fbid: '123456789',
    };
    expect(parseUploadReply(json)).toEqual(expected);
    expect(parseUploadReply(JSON.stringify(json))).toEqual(expected);
    expect(
      parseUploadReply(new TextEncoder().encode(JSON.stringify({ ...json, ts: '1700000000' }))),
    ).toEqual(expected);
    expect(
      parseUploadReply({ url: json.url, direct_path: json.direct_path, handle: null }),
    ).toEqual({
      url: json.url,
      directPath: json.direct_path,
    });
  });

  it.each<[string, unknown]>([
    ['not JSON', '<html>oh=secret</html>'],
    ['array', [json]],
    ['null', null],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe])],
    ['no url', { direct_path: json.direct_path }],
    ['no direct_path', { url: json.url }],
    ['direct_path not a path', { url: json.url, direct_path: json.url }],
    ['handle of the wrong type', { ...json, handle: 5 }],
    ['ts not an integer', { ...json, ts: 'soon' }],
  ])('%s → UploadReplyError without the body', (_, body) => {
    const error = catchError(() => parseUploadReply(body));
    expect(error).toBeInstanceOf(UploadReplyError);
    expect(error).toMatchObject({ code: 'malformed-upload-reply' });
    expect(error.message).not.toContain('oh=');
  });
});

describe('parseResumeProbe', () => {
  const total = 6_000_000;
  it('complete → url and directPath', () => {
    expect(
      parseResumeProbe(
        200,
        { resume: 'complete', url: 'https://h/p?oh=1', direct_path: '/p?oh=1' },
        total,
      ),
    ).toEqual({ kind: 'complete', url: 'https://h/p?oh=1', directPath: '/p?oh=1' });
  });

  it('resume → offset, only when 0 < offset < total', () => {
    expect(parseResumeProbe(200, '{"resume":"1048576"}', total)).toEqual({
      kind: 'resume',
      offset: 1048576,
    });
    expect(parseResumeProbe(200, { resume: String(total - 1) }, total)).toEqual({
      kind: 'resume',
      offset: total - 1,
    });
    for (const resume of [
      '0',
      String(total),
      String(total + 1),
      '-5',
      '1.5',
      '1e3',
      ' 12',
      '',
      'abc',
    ]) {
      expect(parseResumeProbe(200, { resume }, total)).toEqual({ kind: 'not-found' });
    }
  });

  it.each<[string, number, unknown]>([
    ['404', 404, { resume: '10' }],
    ['500', 500, null],
    ['other JSON', 200, { ok: true }],
    ['unparsable body', 200, 'not json'],
    ['complete without url', 200, { resume: 'complete', direct_path: '/p' }],
    ['complete without direct_path', 200, { resume: 'complete', url: 'https://h/p' }],
    ['resume of the wrong type', 200, { resume: true }],
    ['no body', 200, undefined],
  ])('%s → not-found (never throws)', (_, status, body) => {
    expect(parseResumeProbe(status, body, total)).toEqual({ kind: 'not-found' });
  });

  it('without total (two-argument form): any positive safe-integer offset resumes', () => {
    expect(parseResumeProbe(200, { resume: '1048576' })).toEqual({
      kind: 'resume',
      offset: 1048576,
    });
    expect(parseResumeProbe(200, '{"resume":"1"}')).toEqual({ kind: 'resume', offset: 1 });
    expect(parseResumeProbe(200, { resume: String(Number.MAX_SAFE_INTEGER) })).toEqual({
      kind: 'resume',
      offset: Number.MAX_SAFE_INTEGER,
    });
    for (const resume of ['0', '-5', '1.5', '1e3', '', 'abc', '99999999999999999']) {
      expect(parseResumeProbe(200, { resume })).toEqual({ kind: 'not-found' });
    }
    expect(parseResumeProbe(404, { resume: '10' })).toEqual({ kind: 'not-found' });
    expect(
      parseResumeProbe(200, { resume: 'complete', url: 'https://h/p', direct_path: '/p' }),
    ).toEqual({ kind: 'complete', url: 'https://h/p', directPath: '/p' });
  });

  it('with total: rejects totals that bound nothing (not-found, never a throw)', () => {
    for (const bad of [0, -1, Number.NaN, 1.5]) {
      expect(parseResumeProbe(200, { resume: '1' }, bad)).toEqual({ kind: 'not-found' });
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.integer(), fc.jsonValue(), fc.integer(), (status, body, size) => {
        const result = parseResumeProbe(status, body, size);
        expect(['complete', 'resume', 'not-found']).toContain(result.kind);
        if (result.kind === 'resume') {
          expect(result.offset).toBeGreaterThan(0);
          expect(result.offset).toBeLessThan(size);
        }
        const unbounded = parseResumeProbe(status, body);
        expect(['complete', 'resume', 'not-found']).toContain(unbounded.kind);
        if (unbounded.kind === 'resume') expect(Number.isSafeInteger(unbounded.offset)).toBe(true);
      }),
    );
  });
});
