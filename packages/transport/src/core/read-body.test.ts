// The read helpers against a real server that lies about or exceeds its length: bounded by
// default, and a declared length is never trusted with a large allocation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeHttpClient } from '../node.js';
import { startTestServer, type TestServer } from '../test-support/test-server.js';
import { DEFAULT_READ_MAX_BYTES, readBytes, readJson } from './read-body.js';

describe('read helpers against hostile bodies', () => {
  let server: TestServer;
  const http = createNodeHttpClient();
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await http.close?.();
    await server.close();
  });

  it('without maxBytes, a body past 16 MiB (no Content-Length) fails typed, not buffered whole', async () => {
    const size = DEFAULT_READ_MAX_BYTES + 4 * 1024 * 1024;
    const response = await http.request({
      url: `${server.origin}/bytes?size=${size}&chunked=1&id=cap`,
    });
    expect(response.contentLength).toBeNull();
    await expect(readBytes(response)).rejects.toMatchObject({
      name: 'ResponseTooLargeError',
      maxBytes: DEFAULT_READ_MAX_BYTES,
    });
    const declared = await http.request({ url: `${server.origin}/bytes?size=${size}&id=cap2` });
    await expect(readJson(declared)).rejects.toMatchObject({ name: 'ResponseTooLargeError' });
    // An explicit larger limit still reads it.
    const explicit = await http.request({ url: `${server.origin}/bytes?size=${size}&id=cap3` });
    expect((await readBytes(explicit, { maxBytes: size })).byteLength).toBe(size);
  });

  it('a declared 1 GiB that never comes allocates nothing near it', async () => {
    const declared = 1024 * 1024 * 1024;
    const response = await http.request({
      url: `${server.origin}/short?after=1000&size=${declared}&id=liar`,
    });
    expect(response.contentLength).toBe(declared);
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 2);
    const outcome = await readBytes(response, { maxBytes: Number.POSITIVE_INFINITY }).then(
      () => 'read',
      (error: Error) => error.name,
    );
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    expect(outcome).not.toBe('read');
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});
