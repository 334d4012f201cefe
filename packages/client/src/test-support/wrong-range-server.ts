// A loopback CDN whose resume answers are wrong: the first GET is cut after `cutAt` bytes (so
// the client resumes with Range), every Range request gets a 206 that starts at byte 0 instead
// of the offset asked for, and a GET without Range gets the whole blob.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WrongRangeServer {
  readonly host: string;
  readonly requests: { range: string | undefined }[];
  close(): Promise<void>;
}

export async function startWrongRangeServer(
  blob: Uint8Array,
  cutAt: number,
): Promise<WrongRangeServer> {
  const requests: { range: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    const range = req.headers.range;
    requests.push({ range });
    if (range !== undefined) {
      // Wrong: the bytes from 0, labelled as such, whatever start was asked for.
      res.writeHead(206, {
        'content-length': String(blob.length),
        'content-range': `bytes 0-${blob.length - 1}/${blob.length}`,
      });
      res.end(blob);
      return;
    }
    res.writeHead(200, { 'content-length': String(blob.length) });
    if (requests.length === 1) {
      // The first answer breaks off mid-body.
      res.write(blob.subarray(0, cutAt), () => res.destroy());
      return;
    }
    res.end(blob);
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
