// What the API server does with sockets that never become a well-formed request: limits on
// connections and time, and a fixed answer to a request Node could not parse.
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidMediaInputError } from '../errors.js';

/** Time and connection limits of the API server (all positive integers). */
export interface ConnectionLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  maxConnections: number;
}

/** The defaults of {@link ConnectionLimits}. */
export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  maxConnections: 256,
});

/** Validated limits: the defaults where a value is not given. */
export function connectionLimits(given: Partial<ConnectionLimits>): ConnectionLimits {
  const limits = { ...DEFAULT_CONNECTION_LIMITS };
  for (const name of Object.keys(limits) as (keyof ConnectionLimits)[]) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidMediaInputError(name, 'must be a positive integer');
    }
    limits[name] = value;
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new InvalidMediaInputError('headersTimeoutMs', 'must not exceed requestTimeoutMs');
  }
  return limits;
}

/** How often Node looks for requests past their deadline: often enough to honour short ones. */
export function checkingIntervalMs(limits: ConnectionLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2)));
}

function statusFor(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * A request Node cannot parse (bad request line, bad header, half-sent and timed out, header
 * too large): a bare `400` / `408` / `431` with `Connection: close`, then the socket is closed;
 * nothing of the request is echoed. A socket that already carries a response, or is gone, is
 * just destroyed.
 */
export function applyConnectionPolicy(server: Server, limits: ConnectionLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // A socket silent this long (a reader that stopped reading, a client that sent nothing) is
  // destroyed: no listener on the server's 'timeout' event means Node destroys it.
  server.setTimeout(limits.idleTimeoutMs);
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const written = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0;
    if (!socket.writable || written > 0 || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status = statusFor(error.code);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      () => socket.destroy(),
    );
  });
}
