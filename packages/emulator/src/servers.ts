// Listening and closing the emulator's HTTP servers (CDN hosts and the control endpoint), always
// on 127.0.0.1.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on `port` of 127.0.0.1 and resolves with the port bound. */
export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes the server and every connection it holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
