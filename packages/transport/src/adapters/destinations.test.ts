// Destination rules against real servers on 127.0.0.1: a redirect to an internal address never
// reaches it, and the node adapter refuses a *name* that resolves to loopback (DNS rebinding).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetworkError } from '../errors.js';
import type { HttpClient } from '../types.js';
import { createFetchClient } from './fetch.js';
import { createNodeHttpClient } from './node-http.js';

/** A server that counts its hits: the "metadata service" nobody may reach. */
let internal: http.Server;
let internalHits = 0;
/** A server that redirects every request to the internal one. */
let redirector: http.Server;

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

let internalPort = 0;
let redirectorPort = 0;

beforeAll(async () => {
  internal = http.createServer((_req, res) => {
    internalHits += 1;
    res.end('secret-credentials');
  });
  internalPort = await listen(internal);
  redirector = http.createServer((_req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${internalPort}/latest/meta-data/iam` });
    res.end();
  });
  redirectorPort = await listen(redirector);
});

afterAll(() => {
  internal.close();
  redirector.close();
});

const node = createNodeHttpClient();
afterAll(() => node.close());
const adapters: [string, HttpClient][] = [
  ['node', node],
  ['fetch', createFetchClient()],
];

describe.each(adapters)('destinations on %s', (_name, client) => {
  it('a redirect outside the allow-list is refused before a byte reaches its target', async () => {
    const before = internalHits;
    const error = await client
      .request({
        url: `http://localhost:${redirectorPort}/media`,
        destinations: { allowRedirect: (url) => url.port === String(redirectorPort) },
      })
      .catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect(String(error)).toMatch(/outside the allowed set/);
    expect(internalHits).toBe(before);
  });

  it('publicAddressesOnly refuses a loopback IP literal on the first hop', async () => {
    const before = internalHits;
    const direct = await client
      .request({
        url: `http://127.0.0.1:${internalPort}/`,
        destinations: { publicAddressesOnly: true },
      })
      .catch((e: unknown) => e);
    expect(isNetworkError(direct)).toBe(true);
    expect(internalHits).toBe(before);
  });
});

describe('the node adapter checks resolved addresses', () => {
  it('refuses a name that resolves to loopback, and reaches it without the rule', async () => {
    const before = internalHits;
    const url = `http://localhost:${internalPort}/`;
    const error = await node
      .request({ url, destinations: { publicAddressesOnly: true } })
      .catch((e: unknown) => e);
    expect(isNetworkError(error)).toBe(true);
    expect(isNetworkError(error) && error.code).toBe('ERR_PRIVATE_ADDRESS');
    expect(internalHits).toBe(before);
    const allowed = await node.request({ url });
    await allowed.cancel();
    expect(allowed.status).toBe(200);
    expect(internalHits).toBe(before + 1);
  });
});
