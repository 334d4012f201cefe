// A real HTTP server on 127.0.0.1 for the adapter suites. Bodies are generated on the fly from
// a periodic pattern (byte i = i mod 251), so 512 MiB replies cost no memory and any offset can
// be checked.

import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const PERIOD = 251;
const PATTERN_CHUNK = 64 * 1024;
const pattern = Buffer.alloc(PATTERN_CHUNK + PERIOD);
for (let i = 0; i < pattern.length; i++) pattern[i] = i % PERIOD;

/** The pattern bytes `[start, end)`. */
export function patternBytes(start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  for (let i = 0; i < out.length; i++) out[i] = (start + i) % PERIOD;
  return out;
}

/** A view of the pattern from `offset`, `length` ≤ 64 KiB bytes long (no copy). */
function patternSlice(offset: number, length: number): Buffer {
  const from = offset % PERIOD;
  return pattern.subarray(from, from + length);
}

/** Async generator of the pattern `[0, size)` in `chunkSize` pieces (for upload sources). */
export async function* patternChunks(
  size: number,
  chunkSize: number = PATTERN_CHUNK,
): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < size; offset += chunkSize) {
    const length = Math.min(chunkSize, size - offset);
    // Views of one shared buffer: the source itself allocates nothing, so memory growth seen
    // by the tests is the transport's own.
    const slice = patternSlice(offset, length);
    yield new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength);
  }
}

/** SHA-256 hex of the pattern `[0, size)`. */
export function patternSha256(size: number): string {
  const hash = createHash('sha256');
  for (let offset = 0; offset < size; offset += PATTERN_CHUNK) {
    hash.update(patternSlice(offset, Math.min(PATTERN_CHUNK, size - offset)));
  }
  return hash.digest('hex');
}

/**
 * True when `bytes` equals the pattern starting at `offset`. Compares every byte, at memcmp
 * speed (slices of the precomputed pattern), so even 512 MiB can be checked in full.
 */
export function isPattern(bytes: Uint8Array, offset: number): boolean {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < view.length; i += PATTERN_CHUNK) {
    const length = Math.min(PATTERN_CHUNK, view.length - i);
    if (!view.subarray(i, i + length).equals(patternSlice(offset + i, length))) return false;
  }
  return true;
}

/**
 * Samples the process RSS every `intervalMs` while a transfer runs, so that a short-lived
 * buffering spike is seen (one reading after the transfer would miss it).
 */
export function startRssSampler(intervalMs = 5): { stop(): { growthBytes: number } } {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { growthBytes: peak - before };
    },
  };
}

/** What the server saw of one request. */
export interface SeenRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Resolves when the connection of this request closed before the reply finished. */
  readonly closedEarly: Promise<void>;
  receivedBytes: number;
}

/** A running test server. */
export interface TestServer {
  readonly origin: string;
  /** Requests seen, by `?id=`. */
  readonly seen: Map<string, SeenRequest>;
  /** TCP connections accepted so far (to observe keep-alive reuse). */
  readonly connectionCount: () => number;
  /** Waits until a request with `id` arrived. */
  waitFor(id: string): Promise<SeenRequest>;
  close(): Promise<void>;
}

function writeChunked(
  res: http.ServerResponse,
  start: number,
  end: number,
  done: () => void,
  chunkSize = PATTERN_CHUNK,
): void {
  let offset = start;
  const pump = (): void => {
    while (offset < end) {
      const length = Math.min(chunkSize, end - offset);
      const ok = res.write(patternSlice(offset, length));
      offset += length;
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
    done();
  };
  res.on('close', () => {
    offset = end;
  });
  pump();
}

/**
 * Routes (all take `?id=` to be observable):
 * - `/bytes?size=N[&chunked=1][&ignoreRange=1]`: the pattern; honours `Range` with 206.
 * - `/slow-headers?delay=ms`: headers after `delay`.
 * - `/stall?after=N&size=M`: declares M bytes, sends N, then goes silent.
 * - `/reset?after=N&size=M`: declares M bytes, sends N, then resets the connection.
 * - `/short?after=N&size=M`: declares M bytes, sends N, then closes the connection cleanly.
 * - `/upload`: consumes the body; replies JSON `{ received, sha256, contentLength, chunked }`.
 * - `/upload-stall?stall=ms`: stops reading the body for `stall` ms (default 1500).
 * - `/early-reply`: answers 413 before reading the body, then drains it.
 * - `/redirect?n=K&to=/path`: K hops of 302 then `to`. `/redirect?loop=1`: forever.
 * - `/status?code=C[&retryAfter=v]`: that status with a small text body.
 * - `/echo`: JSON of the request headers.
 * - `/wrong-range?range=S-E&total=T`: a 206 with `Content-Range: bytes S-E/T` (and those bytes),
 *   whatever was asked (a broken CDN or proxy); `range=none` sends no Content-Range.
 * - `/mms/<type>/<token>?as=<route>`: the CDN upload URL shape (token in the path); served as
 *   `/<route>` (default `/status`), so every route can be reached with a token in the path.
 */
export async function startTestServer(): Promise<TestServer> {
  const seen = new Map<string, SeenRequest>();
  const waiters = new Map<string, (request: SeenRequest) => void>();
  let anonymous = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const q = url.searchParams;
    const id = q.get('id') ?? `anon-${anonymous++}`;
    let markClosed: () => void = () => undefined;
    const closedEarly = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const entry: SeenRequest = {
      id,
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      closedEarly,
      receivedBytes: 0,
    };
    seen.set(id, entry);
    waiters.get(id)?.(entry);
    res.on('close', () => {
      if (!res.writableFinished) markClosed();
    });
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => {
      entry.receivedBytes += chunk.length;
    });

    const size = Number(q.get('size') ?? '0');
    const route = url.pathname.startsWith('/mms/') ? `/${q.get('as') ?? 'status'}` : url.pathname;
    switch (route) {
      case '/bytes': {
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        if (range && !q.has('ignoreRange')) {
          const start = Number(range[1]);
          const end = range[2] ? Math.min(size, Number(range[2]) + 1) : size;
          if (start >= size) {
            res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
            return;
          }
          res.writeHead(206, {
            'content-length': String(end - start),
            'content-range': `bytes ${start}-${end - 1}/${size}`,
          });
          writeChunked(res, start, end, () => res.end());
          return;
        }
        res.writeHead(200, q.has('chunked') ? {} : { 'content-length': String(size) });
        writeChunked(res, 0, size, () => res.end());
        return;
      }
      case '/slow-headers': {
        const timer = setTimeout(
          () => res.writeHead(200, { 'content-length': '2' }).end('ok'),
          Number(q.get('delay') ?? '0'),
        );
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/stall':
      case '/reset': {
        const after = Number(q.get('after') ?? '0');
        res.writeHead(200, { 'content-length': String(size) });
        writeChunked(res, 0, after, () => {
          if (route === '/reset') {
            // Let the bytes leave before the RST.
            setTimeout(() => req.socket.resetAndDestroy(), 20);
          }
        });
        return;
      }
      case '/short': {
        // Declares M bytes, sends N, then closes the connection cleanly (FIN, no RST).
        const after = Number(q.get('after') ?? '0');
        res.writeHead(200, { 'content-length': String(size) });
        writeChunked(res, 0, after, () => {
          setTimeout(() => req.socket.end(), 20);
        });
        return;
      }
      case '/upload': {
        const hash = createHash('sha256');
        req.on('data', (chunk: Buffer) => hash.update(chunk));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              received: entry.receivedBytes,
              sha256: hash.digest('hex'),
              contentLength: req.headers['content-length'] ?? null,
              chunked: req.headers['transfer-encoding'] === 'chunked',
            }),
          );
        });
        return;
      }
      case '/early-reply': {
        // Answers before reading the upload, then drains it slowly.
        res.writeHead(413, { 'content-length': '8' }).end('too big!');
        req.pause();
        const timer = setTimeout(() => req.resume(), 150);
        req.on('close', () => clearTimeout(timer));
        return;
      }
      case '/upload-stall': {
        // Stop reading long enough for the client's idle timeout, then drain so that the
        // closed connection becomes observable.
        req.pause();
        const timer = setTimeout(() => req.resume(), Number(q.get('stall') ?? '1500'));
        req.on('close', () => clearTimeout(timer));
        return;
      }
      case '/redirect': {
        if (q.has('loop')) {
          res.writeHead(302, { location: req.url ?? '/' }).end();
          return;
        }
        const n = Number(q.get('n') ?? '1');
        const to = q.get('to') ?? '/echo';
        const location =
          n > 1 ? `/redirect?n=${n - 1}&to=${encodeURIComponent(to)}&id=${id}-${n - 1}` : to;
        res.writeHead(Number(q.get('code') ?? '302'), { location }).end();
        return;
      }
      case '/status': {
        const headers: Record<string, string> = { 'content-type': 'text/plain' };
        const retryAfter = q.get('retryAfter');
        if (retryAfter !== null) headers['retry-after'] = retryAfter;
        res.writeHead(Number(q.get('code') ?? '500'), headers);
        res.end(q.get('body') ?? 'failure body');
        return;
      }
      case '/echo': {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              method: req.method,
              url: req.url,
              headers: req.headers,
              body: Buffer.concat(chunks).toString('latin1'),
            }),
          );
        });
        return;
      }
      case '/wrong-range': {
        const spec = q.get('range') ?? 'none';
        const match = /^(\d+)-(\d+)$/.exec(spec);
        const start = match ? Number(match[1]) : 0;
        const end = match ? Number(match[2]) + 1 : 10;
        const headers: Record<string, string> = { 'content-length': String(end - start) };
        if (match) headers['content-range'] = `bytes ${spec}/${q.get('total') ?? '*'}`;
        res.writeHead(206, headers);
        writeChunked(res, start, end, () => res.end());
        return;
      }
      default:
        res.writeHead(404).end('not found');
    }
  });
  server.keepAliveTimeout = 5_000;
  let connections = 0;
  server.on('connection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    connectionCount: () => connections,
    waitFor: (id) => {
      const existing = seen.get(id);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => waiters.set(id, resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
