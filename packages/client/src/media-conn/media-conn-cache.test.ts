// The media_conn cache: single flight, freshness, invalidation races and no refresh storm.
import type { BinaryNode, MediaSignaling } from '@wa-media/protocol';
import { describe, expect, it } from 'vitest';
import { MediaConnFetchError } from '../errors.js';
import { MediaConnCache } from './media-conn-cache.js';

/** A signalling peer that answers media_conn IQs itself (pure, no network involved). */
function peer(reply: (n: number) => BinaryNode | Error, delayMs = 5) {
  let queries = 0;
  const signaling: MediaSignaling = {
    async query() {
      queries += 1;
      const n = queries;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const answer = reply(n);
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async send() {},
    waitFor: () => new Promise(() => {}),
    ownJid: () => '1@s.whatsapp.net',
  };
  return {
    signaling,
    get queries() {
      return queries;
    },
  };
}

const conn = (n: number, ttl = 300, authTtl?: number): BinaryNode => ({
  tag: 'iq',
  attrs: { type: 'result' },
  content: [
    {
      tag: 'media_conn',
      attrs: {
        auth: `SECRET-AUTH-${n}+/=`,
        ttl: String(ttl),
        ...(authTtl === undefined ? {} : { auth_ttl: String(authTtl) }),
      },
      content: [
        { tag: 'host', attrs: { hostname: 'fallback.example', type: 'fallback' } },
        {
          tag: 'host',
          attrs: { hostname: 'primary.example', fallback_hostname: 'primary-fb.example' },
        },
      ],
    },
  ],
});

describe('MediaConnCache', () => {
  it('single flight: concurrent callers share one query', async () => {
    const p = peer((n) => conn(n));
    const cache = new MediaConnCache({ signaling: p.signaling });
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(p.queries).toBe(1);
    expect(new Set(results.map((r) => r.auth)).size).toBe(1);
    expect(cache.hostOrder(results[0]!)).toEqual([
      'primary.example',
      'primary-fb.example',
      'fallback.example',
    ]);
  });

  it('is fresh while younger than min(ttl, auth_ttl)', async () => {
    let now = 1_000_000;
    const p = peer((n) => conn(n, 300, 60));
    const cache = new MediaConnCache({ signaling: p.signaling, now: () => now });
    await cache.get();
    now += 59_000;
    await cache.get();
    expect(p.queries).toBe(1);
    now += 2_000;
    expect((await cache.get()).auth).toBe('SECRET-AUTH-2+/=');
    expect(p.queries).toBe(2);
  });

  it('invalidate drops it; a refresh started before invalidate does not repopulate', async () => {
    const p = peer((n) => conn(n), 20);
    const cache = new MediaConnCache({ signaling: p.signaling });
    const first = cache.get();
    cache.invalidate();
    await first;
    expect(cache.peek()).toBeUndefined();
    await cache.get();
    expect(p.queries).toBe(2);
    cache.invalidate();
    await cache.get();
    expect(p.queries).toBe(3);
  });

  it('a refresh started before invalidate() is not handed to callers after it', async () => {
    const p = peer((n) => conn(n), 30);
    const cache = new MediaConnCache({ signaling: p.signaling });
    const before = cache.get();
    cache.invalidate(); // e.g. the signalling disconnected while the query was in flight
    const after = cache.get();
    expect((await before).auth).toBe('SECRET-AUTH-1+/=');
    expect((await after).auth).toBe('SECRET-AUTH-2+/=');
    expect(p.queries).toBe(2);
    expect(cache.peek()?.auth).toBe('SECRET-AUTH-2+/=');
  });

  it('invalidate(failed) only drops the connection if it is still the cached one', async () => {
    const p = peer((n) => conn(n), 10);
    const cache = new MediaConnCache({ signaling: p.signaling });
    const old = await cache.get();
    cache.invalidate(old);
    const fresh = await cache.get();
    cache.invalidate(old); // a late failure with the old connection: ignored
    expect(cache.peek()).toBe(fresh);
    expect(p.queries).toBe(2);
  });

  it('no refresh storm: 100 operations each failing once with their connection', async () => {
    const p = peer((n) => conn(n), 15);
    const cache = new MediaConnCache({ signaling: p.signaling });
    await cache.get();
    // Each operation got the connection, failed with it at a random moment (401), dropped it
    // and asked again: they must share the refresh, not drop each other's new connection.
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const used = await cache.get();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
        cache.invalidate(used);
        await cache.get();
      }),
    );
    expect(p.queries).toBe(2);
  });

  it('failures are typed and never name the auth token', async () => {
    const p = peer((n) =>
      n === 1
        ? new Error('socket closed')
        : {
            tag: 'iq',
            attrs: { type: 'error' },
            content: [{ tag: 'error', attrs: { code: '500' } }],
          },
    );
    const cache = new MediaConnCache({ signaling: p.signaling });
    await expect(cache.get()).rejects.toSatisfy(
      (e: unknown) => e instanceof MediaConnFetchError && e.code === 'query-failed',
    );
    await expect(cache.get()).rejects.toSatisfy(
      (e: unknown) => e instanceof MediaConnFetchError && /500/.test(e.message),
    );
    const none = new MediaConnCache({ signaling: undefined });
    await expect(none.get()).rejects.toSatisfy(
      (e: unknown) => e instanceof MediaConnFetchError && e.code === 'no-signaling',
    );
  });

  it('an aborted caller stops waiting without cancelling the shared query', async () => {
    const p = peer((n) => conn(n), 30);
    const cache = new MediaConnCache({ signaling: p.signaling });
    const controller = new AbortController();
    const aborted = cache.get({ signal: controller.signal });
    const other = cache.get();
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect((await other).auth).toBe('SECRET-AUTH-1+/=');
    expect(p.queries).toBe(1);
  });
});
