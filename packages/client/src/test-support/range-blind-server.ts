// A loopback CDN that ignores Range headers (always 200 with the whole blob) and sends slowly,
// to check that a resumed download restarts cleanly instead of appending.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RangeBlindServer {
  readonly host: string;
  readonly requests: { range: string | undefined }[];
  close(): Promise<void>;
}

export async function startRangeBlindServer(
  blob: Uint8Array,
  chunk: number = 32 * 1024,
  delayMs: number = 5,
): Promise<RangeBlindServer> {
  const requests: { range: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    requests.push({ range: req.headers.range });
    res.writeHead(200, {
      'content-length': String(blob.length),
      'content-type': 'application/octet-stream',
    });
    let offset = 0;
    const send = (): void => {
      if (res.destroyed) return;
      if (offset >= blob.length) {
        res.end();
        return;
      }
      res.write(blob.subarray(offset, offset + chunk));
      offset += chunk;
      setTimeout(send, delayMs);
    };
    send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
