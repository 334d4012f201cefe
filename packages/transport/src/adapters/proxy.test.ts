// Every adapter through a real proxy on 127.0.0.1: an HTTP proxy (CONNECT) and a SOCKS5 proxy
// from @wa-media/emulator. The node adapter takes a proxy `agent` (https-proxy-agent,
// socks-proxy-agent); fetch and ky take undici's `dispatcher` (ProxyAgent, Socks5ProxyAgent).
// Each test checks the bytes and that the proxy relayed them.
import { createHash } from 'node:crypto';
import { startProxy, type TestProxy } from '@wa-media/emulator';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { ProxyAgent, Socks5ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBytes, readJson } from '../core/read-body.js';
import {
  patternBytes,
  patternChunks,
  startTestServer,
  type TestServer,
} from '../test-support/test-server.js';
import type { HttpClient } from '../types.js';
import { createFetchClient } from './fetch.js';
import { createKyClient } from './ky.js';
import { createNodeHttpClient } from './node-http.js';

const AUTH = { username: 'media-user', password: 'proxy-pass-0123' };

let server: TestServer;
const proxies: Record<'http' | 'socks5', TestProxy> = {} as Record<'http' | 'socks5', TestProxy>;

beforeAll(async () => {
  server = await startTestServer();
  proxies.http = await startProxy({ kind: 'http', auth: AUTH });
  proxies.socks5 = await startProxy({ kind: 'socks5', auth: AUTH });
});
afterAll(async () => {
  await proxies.http?.close();
  await proxies.socks5?.close();
  await server?.close();
});

/** The proxy's URL with the credentials it requires. */
function proxyUrl(kind: 'http' | 'socks5'): string {
  const url = new URL(proxies[kind].url);
  url.username = AUTH.username;
  url.password = AUTH.password;
  return url.href;
}

const adapters: Record<string, (kind: 'http' | 'socks5') => HttpClient & { close?(): void }> = {
  'node + agent': (kind) =>
    createNodeHttpClient({
      agent:
        kind === 'http' ? new HttpsProxyAgent(proxyUrl(kind)) : new SocksProxyAgent(proxyUrl(kind)),
    }),
  'fetch + dispatcher': (kind) =>
    createFetchClient(fetch, {
      dispatcher:
        kind === 'http' ? new ProxyAgent(proxyUrl(kind)) : new Socks5ProxyAgent(proxyUrl(kind)),
    }),
  'ky + dispatcher': (kind) =>
    createKyClient({
      dispatcher:
        kind === 'http' ? new ProxyAgent(proxyUrl(kind)) : new Socks5ProxyAgent(proxyUrl(kind)),
    }),
};

describe.each(['http', 'socks5'] as const)('through a %s proxy', (kind) => {
  describe.each(Object.keys(adapters))('%s', (adapter) => {
    it('downloads a ranged body and streams an upload, relayed by the proxy', async () => {
      const http = adapters[adapter]!(kind);
      const proxy = proxies[kind];
      const before = proxy.connections.length;
      try {
        const size = 300_000;
        const response = await http.request({
          url: `${server.origin}/bytes?size=${size}&id=${kind}-${adapter}-get`,
          range: { start: 1000 },
        });
        expect(response.status).toBe(206);
        const bytes = await readBytes(response, { maxBytes: size });
        expect(Buffer.compare(Buffer.from(bytes), Buffer.from(patternBytes(1000, size)))).toBe(0);

        const uploadSize = 200_000;
        const upload = await http.request({
          method: 'POST',
          url: `${server.origin}/upload?id=${kind}-${adapter}-post`,
          body: patternChunks(uploadSize, 16 * 1024),
          contentLength: uploadSize,
        });
        const reply = await readJson<{ received: number; sha256: string }>(upload);
        expect(reply.received).toBe(uploadSize);
        expect(reply.sha256).toBe(
          createHash('sha256').update(patternBytes(0, uploadSize)).digest('hex'),
        );
      } finally {
        http.close?.();
      }
      const relayed = proxy.connections.slice(before).filter((c) => c.allowed);
      expect(relayed.length).toBeGreaterThan(0);
      expect(relayed.every((c) => c.target === new URL(server.origin).host)).toBe(true);
      const down = relayed.reduce((sum, c) => sum + c.bytesDown, 0);
      const up = relayed.reduce((sum, c) => sum + c.bytesUp, 0);
      expect(down).toBeGreaterThan(299_000);
      expect(up).toBeGreaterThan(200_000);
    });
  });
});

describe('the test proxies', () => {
  it('refuse wrong credentials and targets that are not loopback', async () => {
    const wrong = new URL(proxies.socks5.url);
    wrong.username = AUTH.username;
    wrong.password = 'not-the-password';
    const http = createNodeHttpClient({ agent: new SocksProxyAgent(wrong.href) });
    try {
      const failed = await http.request({ url: `${server.origin}/status?code=200` }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
      expect(failed?.name).toBe('NetworkError');
      // The proxy password never shows in the error.
      expect(JSON.stringify({ message: failed?.message, stack: failed?.stack })).not.toContain(
        'not-the-password',
      );
    } finally {
      http.close();
    }
    const outside = createNodeHttpClient({ agent: new HttpsProxyAgent(proxyUrl('http')) });
    try {
      // 192.0.2.0/24 is reserved for documentation: the proxy refuses before any connection.
      const refused = await outside.request({ url: 'http://192.0.2.1:9/' });
      expect(refused.status).toBe(403);
      await refused.cancel();
    } catch (error) {
      expect((error as Error).name).toBe('NetworkError');
    } finally {
      outside.close();
    }
    expect(proxies.http.connections.some((c) => c.target === '192.0.2.1:9' && !c.allowed)).toBe(
      true,
    );
  });
});
