// Newsletter uploads' server-made thumbnails: the `server_thumb_gen=1` query and the reply's
// `thumbnail_info` (an object, or the JSON string WhatsApp's apps read).
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUploadReply } from './replies.js';
import { buildUploadUrl } from './urls.js';

const base = { url: 'https://mmg.whatsapp.net/m1/v/t24/x?oh=1', direct_path: '/m1/v/t24/x?oh=1' };
const sha = createHash('sha256').update('thumb').digest();

describe('server-made thumbnails', () => {
  it('server_thumb_gen=1 goes before the resume parameters', () => {
    const url = buildUploadUrl({
      host: 'mmg.whatsapp.net',
      uploadPath: '/newsletter/newsletter-image',
      token: 'abc',
      auth: 'a/b',
      serverThumbGen: true,
      resumeProbe: true,
    });
    expect(url).toBe(
      'https://mmg.whatsapp.net/newsletter/newsletter-image/abc?auth=a%2Fb&token=abc&server_thumb_gen=1&resume=1',
    );
    expect(
      buildUploadUrl({ host: 'h', uploadPath: '/mms/image', token: 'abc', auth: 'a' }),
    ).not.toContain('server_thumb_gen');
  });

  it('thumbnail_info as an object or a JSON string, sha256 in base64 or base64url', () => {
    for (const sha256 of [sha.toString('base64'), sha.toString('base64url')]) {
      const info = { thumbnail_direct_path: '/m1/v/t24/thumb?oh=2', thumbnail_sha256: sha256 };
      for (const thumbnail_info of [info, JSON.stringify(info)]) {
        expect(parseUploadReply({ ...base, thumbnail_info }).thumbnailInfo).toEqual({
          directPath: '/m1/v/t24/thumb?oh=2',
          sha256: new Uint8Array(sha),
        });
      }
    }
  });

  it('a malformed thumbnail_info is dropped, the upload reply stands', () => {
    const bad = [
      'nope',
      42,
      { thumbnail_direct_path: 'relative', thumbnail_sha256: sha.toString('base64') },
      { thumbnail_direct_path: '/p', thumbnail_sha256: 'short' },
      { thumbnail_direct_path: '/p', thumbnail_sha256: sha.subarray(0, 31).toString('base64') },
      { thumbnail_direct_path: '/p', thumbnail_sha256: '!'.repeat(44) },
    ];
    for (const thumbnail_info of bad) {
      const reply = parseUploadReply({ ...base, thumbnail_info });
      expect(reply.thumbnailInfo).toBeUndefined();
      expect(reply.directPath).toBe(base.direct_path);
    }
    fc.assert(
      fc.property(fc.anything(), (thumbnail_info) => {
        const reply = parseUploadReply({ ...base, thumbnail_info });
        if (reply.thumbnailInfo !== undefined) expect(reply.thumbnailInfo.sha256).toHaveLength(32);
      }),
    );
  });
});
