// Media through a proxy, end to end against the emulator: upload and verified download via an
// HTTP (CONNECT) proxy and a SOCKS5 proxy started on 127.0.0.1 (@wa-media/emulator's
// startProxy), with the node adapter's `agent` and with ky's undici `dispatcher`. The proxy's
// own record proves every CDN byte went through it.
import { startProxy, type TestProxy } from '@wa-media/emulator';
import { createKyClient, type HttpClient } from '@wa-media/transport';
import { createNodeHttpClient } from '@wa-media/transport/node';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { SocksProxyAgent } from 'socks-proxy-agent';
import { ProxyAgent, Socks5ProxyAgent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes, type Harness, startHarness, testBytes } from './test-support/harness.js';

let h: Harness;
let proxies: { http: TestProxy; socks5: TestProxy };

beforeAll(async () => {
  h = await startHarness();
  proxies = {
    http: await startProxy({ kind: 'http' }),
    socks5: await startProxy({ kind: 'socks5' }),
  };
});
afterAll(async () => {
  await proxies?.http.close();
  await proxies?.socks5.close();
  await h?.close();
});

const transports: Record<string, (proxy: TestProxy) => HttpClient & { close?(): void }> = {
  'node adapter + agent': (proxy) =>
    createNodeHttpClient({
      agent:
        proxy.kind === 'http' ? new HttpsProxyAgent(proxy.url) : new SocksProxyAgent(proxy.url),
    }),
  'ky + undici dispatcher': (proxy) =>
    createKyClient({
      dispatcher:
        proxy.kind === 'http' ? new ProxyAgent(proxy.url) : new Socks5ProxyAgent(proxy.url),
    }),
};

describe.each(['http', 'socks5'] as const)('media through a %s proxy', (kind) => {
  it.each(Object.keys(transports))('%s: upload, then a verified download', async (name) => {
    const proxy = proxies[kind];
    const http = transports[name]!(proxy);
    const client = h.makeClient({ http });
    const before = proxy.connections.length;
    const logBefore = h.emulator.log.length;
    try {
      const plain = testBytes(400_000, kind.length + name.length);
      const uploaded = await client.upload(plain, 'video');
      const bytes = await client.download(uploaded);
      expect(equalBytes(bytes, plain)).toBe(true);
    } finally {
      http.close?.();
    }
    // Every CDN request of the two transfers came in through the proxy's tunnels.
    const cdnHosts = new Set(h.emulator.hostnames);
    const relayed = proxy.connections.slice(before).filter((c) => c.allowed);
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.every((c) => cdnHosts.has(c.target))).toBe(true);
    const cdnBytesIn = h.emulator.log.slice(logBefore).reduce((sum, e) => sum + e.bytesIn, 0);
    const cdnBytesOut = h.emulator.log.slice(logBefore).reduce((sum, e) => sum + e.bytesOut, 0);
    expect(cdnBytesIn).toBeGreaterThan(400_000);
    expect(relayed.reduce((sum, c) => sum + c.bytesUp, 0)).toBeGreaterThanOrEqual(cdnBytesIn);
    expect(relayed.reduce((sum, c) => sum + c.bytesDown, 0)).toBeGreaterThanOrEqual(cdnBytesOut);
  });
});
