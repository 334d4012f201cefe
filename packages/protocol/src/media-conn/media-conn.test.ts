// media_conn: the query, parsing replies, printing without secrets, host order and freshness.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BinaryNode } from '../binary-node/binary-node.js';
import { isMediaConnError, MediaConnError } from '../errors.js';
import { catchError } from '../test-support/catch-error.js';
import {
  buildMediaConnIq,
  isMediaConnFresh,
  type MediaConn,
  mediaConnHostOrder,
  parseMediaConn,
} from './media-conn.js';

const AUTH = 'AUTH-SECRET-b64/+=token';

function reply(mediaConnAttrs: Record<string, string>, hosts: BinaryNode[]): BinaryNode {
  return {
    tag: 'iq',
    attrs: { id: 'q1', type: 'result', from: 's.whatsapp.net' },
    content: [{ tag: 'media_conn', attrs: mediaConnAttrs, content: hosts }],
  };
}

const fullReply = reply({ auth: AUTH, ttl: '300', auth_ttl: '21600', max_buckets: '12' }, [
  {
    tag: 'host',
    attrs: {
      hostname: 'mmg-fb.whatsapp.net',
      type: 'fallback',
      fallback_hostname: 'mmg-fallback-fb.whatsapp.net',
    },
  },
  {
    tag: 'host',
    attrs: {
      hostname: 'media-gru1-1.cdn.whatsapp.net',
      type: 'primary',
      fallback_hostname: 'mmg.whatsapp.net',
      ip4: '157.240.1.1',
      ip6: '2a03:2880::1',
      fallback_ip4: '157.240.1.2',
      fallback_ip6: '2a03:2880::2',
      maxContentLengthBytes: '104857600',
    },
    content: [
      {
        tag: 'upload',
        attrs: {},
        content: [
          { tag: 'image', attrs: {} },
          { tag: 'video', attrs: {} },
        ],
      },
      { tag: 'download', attrs: {}, content: [{ tag: 'image', attrs: {} }] },
    ],
  },
  { tag: 'host', attrs: { hostname: 'mmg.whatsapp.net' } },
]);

describe('buildMediaConnIq', () => {
  it('builds the golden IQ', () => {
    expect(buildMediaConnIq({ id: 'abc.123' })).toEqual({
      tag: 'iq',
      attrs: { id: 'abc.123', xmlns: 'w:m', type: 'set', to: 's.whatsapp.net' },
      content: [{ tag: 'media_conn', attrs: {} }],
    });
  });

  it('makes a fresh random id when none is given', () => {
    const a = buildMediaConnIq().attrs.id;
    const b = buildMediaConnIq().attrs.id;
    expect(a).toMatch(/^wam-[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
    expect(() => buildMediaConnIq({ id: '' })).toThrow(/Invalid id/);
  });
});

describe('parseMediaConn', () => {
  it('parses every attribute, primaries first, order otherwise kept', () => {
    const conn = parseMediaConn(fullReply, 1_700_000_000_000);
    expect(conn).toEqual({
      auth: AUTH,
      ttl: 300,
      authTtl: 21600,
      maxBuckets: 12,
      fetchedAt: 1_700_000_000_000,
      hosts: [
        {
          hostname: 'media-gru1-1.cdn.whatsapp.net',
          type: 'primary',
          fallbackHostname: 'mmg.whatsapp.net',
          ip4: '157.240.1.1',
          ip6: '2a03:2880::1',
          fallbackIp4: '157.240.1.2',
          fallbackIp6: '2a03:2880::2',
          maxContentLengthBytes: 104857600,
          upload: ['image', 'video'],
          download: ['image'],
        },
        { hostname: 'mmg.whatsapp.net', type: 'primary' },
        {
          hostname: 'mmg-fb.whatsapp.net',
          type: 'fallback',
          fallbackHostname: 'mmg-fallback-fb.whatsapp.net',
        },
      ],
    } satisfies MediaConn);
    expect(mediaConnHostOrder(conn)).toEqual([
      'media-gru1-1.cdn.whatsapp.net',
      'mmg.whatsapp.net',
      'mmg-fb.whatsapp.net',
      'mmg-fallback-fb.whatsapp.net',
    ]);
  });

  it('accepts the <media_conn> node itself and defaults fetchedAt to now', () => {
    const before = Date.now();
    const inner = (fullReply.content as BinaryNode[])[0] as BinaryNode;
    const conn = parseMediaConn(inner);
    expect(conn.hosts).toHaveLength(3);
    expect(conn.fetchedAt).toBeGreaterThanOrEqual(before);
    expect(conn.fetchedAt).toBeLessThanOrEqual(Date.now());
  });

  it('reports an error IQ with its code and text', () => {
    const error = catchError(() =>
      parseMediaConn({
        tag: 'iq',
        attrs: { id: 'q1', type: 'error' },
        content: [{ tag: 'error', attrs: { code: '401', text: 'not-authorized' } }],
      }),
    );
    expect(error).toBeInstanceOf(MediaConnError);
    expect(error).toMatchObject({ code: 'iq-error', errorCode: 401, errorText: 'not-authorized' });
    expect(error.message).toBe(
      'media_conn query failed with an error IQ (code 401 not-authorized)',
    );
    expect(catchError(() => parseMediaConn({ tag: 'iq', attrs: { type: 'error' } }))).toMatchObject(
      { code: 'iq-error', errorCode: undefined },
    );
  });

  const host = { tag: 'host', attrs: { hostname: 'h' } };
  it.each<[string, BinaryNode, string]>([
    ['no media_conn', { tag: 'iq', attrs: { type: 'result' }, content: [] }, 'no <media_conn>'],
    ['no auth', reply({ ttl: '1' }, [host]), '"auth"'],
    ['no ttl', reply({ auth: AUTH }, [host]), '"ttl"'],
    ['non-numeric ttl', reply({ auth: AUTH, ttl: 'soon' }, [host]), '"ttl"'],
    ['negative ttl', reply({ auth: AUTH, ttl: '-1' }, [host]), '"ttl"'],
    [
      'non-numeric auth_ttl',
      reply({ auth: AUTH, ttl: '1', auth_ttl: '1.5' }, [host]),
      '"auth_ttl"',
    ],
    ['no hosts', reply({ auth: AUTH, ttl: '1' }, []), 'no <host>'],
    [
      'host without hostname',
      reply({ auth: AUTH, ttl: '1' }, [{ tag: 'host', attrs: {} }]),
      '"hostname"',
    ],
    [
      'a media_conn without attrs',
      { tag: 'iq', attrs: {}, content: [{ tag: 'media_conn' } as BinaryNode] },
      'attrs',
    ],
    [
      'a host without attrs',
      reply({ auth: AUTH, ttl: '1' }, [{ tag: 'host' } as BinaryNode]),
      'attrs',
    ],
    ['a null child', { tag: 'iq', attrs: {}, content: [null as unknown as BinaryNode] }, 'child'],
    [
      'a numeric child of media_conn',
      reply({ auth: AUTH, ttl: '1' }, [host, 7 as unknown as BinaryNode]),
      'child',
    ],
    ['an iq without attrs', { tag: 'iq' } as BinaryNode, 'attrs'],
    [
      'a numeric ttl attribute',
      reply({ auth: AUTH, ttl: 300 as unknown as string }, [host]),
      '"ttl"',
    ],
    ['not a node at all', null as unknown as BinaryNode, 'BinaryNode'],
  ])('%s → malformed-media-conn, without the auth token', (_, node, fragment) => {
    const error = catchError(() => parseMediaConn(node));
    expect(isMediaConnError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'malformed-media-conn' });
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain(AUTH);
    expect(JSON.stringify(error)).not.toContain(AUTH);
    expect(String(error.stack)).not.toContain(AUTH);
  });
});

describe('MediaConn printing', () => {
  it('redacts the auth token in JSON and console output but keeps the real field', () => {
    const conn = parseMediaConn(fullReply, 1_000);
    expect(conn.auth).toBe(AUTH);
    expect(JSON.stringify(conn)).not.toContain('AUTH-SECRET');
    expect(JSON.stringify(conn)).toContain('[REDACTED]');
    expect(inspect(conn, { depth: 5 })).not.toContain('AUTH-SECRET');
    expect({ ...conn }.auth).toBe(AUTH);
    expect(Object.keys(conn)).not.toContain('toJSON');
  });
});

describe('mediaConnHostOrder', () => {
  it('puts each fallback right after its host and drops duplicates', () => {
    expect(
      mediaConnHostOrder({
        hosts: [
          { hostname: 'a', type: 'primary', fallbackHostname: 'b' },
          { hostname: 'b', type: 'primary', fallbackHostname: 'c' },
          { hostname: 'd', type: 'fallback', fallbackHostname: 'a' },
        ],
      }),
    ).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('isMediaConnFresh', () => {
  const conn = { ttl: 300, authTtl: 60, fetchedAt: 1_000_000 };
  it('uses min(ttl, authTtl) in seconds, exclusive', () => {
    expect(isMediaConnFresh(conn, 1_000_000)).toBe(true);
    expect(isMediaConnFresh(conn, 1_059_999)).toBe(true);
    expect(isMediaConnFresh(conn, 1_060_000)).toBe(false);
    expect(isMediaConnFresh({ ttl: 300, fetchedAt: 0 }, 299_999)).toBe(true);
    expect(isMediaConnFresh({ ttl: 300, fetchedAt: 0 }, 300_000)).toBe(false);
    expect(isMediaConnFresh({ ttl: 30, authTtl: 600, fetchedAt: 0 }, 30_000)).toBe(false);
  });

  it('defaults now to Date.now()', () => {
    expect(isMediaConnFresh({ ttl: 60, fetchedAt: Date.now() })).toBe(true);
    expect(isMediaConnFresh({ ttl: 60, fetchedAt: Date.now() - 61_000 })).toBe(false);
  });
});
