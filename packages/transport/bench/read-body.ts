// The two ways the benchmarks read a response body to its end, counting bytes: the compatible
// `response.body.getReader()` and the fast path `response.chunks()`.

import type { HttpClient } from '../src/index.js';

/** Downloads `url` through `response.body.getReader()`; resolves with the bytes read. */
export async function downloadViaReader(client: HttpClient, url: string): Promise<number> {
  const response = await client.request({ url });
  const reader = response.body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.byteLength;
  }
}

/** Downloads `url` through `response.chunks()`; resolves with the bytes read. */
export async function downloadViaChunks(client: HttpClient, url: string): Promise<number> {
  const response = await client.request({ url });
  let n = 0;
  for await (const chunk of response.chunks()) n += chunk.byteLength;
  return n;
}
