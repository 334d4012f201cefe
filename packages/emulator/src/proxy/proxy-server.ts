// Forward proxies on 127.0.0.1 for proxy tests: an HTTP proxy (CONNECT tunnels and
// absolute-form requests) and a SOCKS5 proxy (CONNECT, optional username/password). Each
// records the connections it relayed, so a test can prove the traffic went through it. They
// only ever connect to loopback addresses: a test proxy must never reach another host.

import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { EmulatorError } from '../errors.js';

/** The kinds of proxy {@link startProxy} runs. */
export type ProxyKind = 'http' | 'socks5';

/** Options of {@link startProxy}. */
export interface ProxyOptions {
  /** `http`: CONNECT + absolute-form requests; `socks5`: RFC 1928 CONNECT. */
  readonly kind: ProxyKind;
  /** Require these credentials (HTTP `Proxy-Authorization: Basic`, SOCKS5 method 0x02). */
  readonly auth?: {
    /** The user name the client must present. */
    readonly username: string;
    /** Its password. */
    readonly password: string;
  };
  /** @default 0 (a free port) */
  readonly port?: number;
}

/** One connection the proxy relayed (or refused). */
export interface ProxyConnection {
  /** `host:port` the client asked for. */
  readonly target: string;
  /** `connect` (a tunnel: CONNECT or SOCKS5) or `forward` (an absolute-form HTTP request). */
  readonly mode: 'connect' | 'forward';
  /** Whether the proxy let it through. */
  allowed: boolean;
  /** Bytes from the client to the target (updated while the tunnel is open). */
  bytesUp: number;
  /** Bytes from the target back to the client. */
  bytesDown: number;
}

/** A running proxy. */
export interface TestProxy {
  /** What it speaks. */
  readonly kind: ProxyKind;
  /** `http://127.0.0.1:P` or `socks5://127.0.0.1:P` (without credentials). */
  readonly url: string;
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Every connection so far, oldest first. */
  readonly connections: readonly ProxyConnection[];
  /** Stops listening and destroys the open tunnels. */
  close(): Promise<void>;
}

const HANDSHAKE_TIMEOUT_MS = 5_000;
const MAX_HANDSHAKE_BYTES = 1024;

/** True for 127.0.0.0/8, ::1 and localhost: the only targets the test proxies reach. */
export function isLoopbackTarget(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return net.isIPv4(bare) && bare.startsWith('127.');
}

/**
 * Starts a forward proxy on 127.0.0.1.
 * @throws {EmulatorError} `bad-option` for an unknown kind.
 * @example
 * ```ts
 * const proxy = await startProxy({ kind: 'socks5' });
 * // … point a SocksProxyAgent at proxy.url …
 * expect(proxy.connections.some((c) => c.allowed && c.bytesDown > 0)).toBe(true);
 * await proxy.close();
 * ```
 */
export async function startProxy(options: ProxyOptions): Promise<TestProxy> {
  if (options.kind !== 'http' && options.kind !== 'socks5') {
    throw new EmulatorError('bad-option', 'options.kind must be "http" or "socks5"');
  }
  const connections: ProxyConnection[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server =
    options.kind === 'http'
      ? httpProxyServer(options, connections, track)
      : net.createServer((socket) => {
          track(socket);
          void socks5Session(socket, options, connections, track);
        });
  server.on('connection', track);
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    kind: options.kind,
    url: `${options.kind}://127.0.0.1:${port}`,
    port,
    connections,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Pipes two sockets both ways, counting bytes into `record`. */
function relay(client: net.Socket, target: net.Socket, record: ProxyConnection): void {
  client.on('data', (chunk: Buffer) => {
    record.bytesUp += chunk.length;
  });
  target.on('data', (chunk: Buffer) => {
    record.bytesDown += chunk.length;
  });
  client.pipe(target);
  target.pipe(client);
  const end = (): void => {
    client.destroy();
    target.destroy();
  };
  client.once('error', end).once('close', end);
  target.once('error', end).once('close', end);
}

function splitHostPort(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (match === null) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1] ?? '', port } : undefined;
}

function basicAuthOk(header: string | undefined, auth: ProxyOptions['auth']): boolean {
  if (auth === undefined) return true;
  const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return header === expected;
}

function httpProxyServer(
  options: ProxyOptions,
  connections: ProxyConnection[],
  track: (socket: net.Socket) => void,
): http.Server {
  const server = http.createServer((request, response) => {
    // Absolute-form: `GET http://127.0.0.1:P/path HTTP/1.1`.
    let url: URL;
    try {
      url = new URL(request.url ?? '');
    } catch {
      response.writeHead(400).end();
      return;
    }
    const record: ProxyConnection = {
      target: url.host,
      mode: 'forward',
      allowed: false,
      bytesUp: 0,
      bytesDown: 0,
    };
    connections.push(record);
    if (!basicAuthOk(request.headers['proxy-authorization'], options.auth)) {
      response.writeHead(407, { 'proxy-authenticate': 'Basic' }).end();
      return;
    }
    if (url.protocol !== 'http:' || !isLoopbackTarget(url.hostname)) {
      response.writeHead(403).end();
      return;
    }
    record.allowed = true;
    const headers = { ...request.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(url, { method: request.method, headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.on('data', (chunk: Buffer) => {
        record.bytesDown += chunk.length;
      });
      reply.pipe(response);
    });
    upstream.once('error', () => response.destroy());
    request.on('data', (chunk: Buffer) => {
      record.bytesUp += chunk.length;
    });
    request.pipe(upstream);
  });
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = splitHostPort(request.url ?? '');
    const record: ProxyConnection = {
      target: request.url ?? '',
      mode: 'connect',
      allowed: false,
      bytesUp: head.length,
      bytesDown: 0,
    };
    connections.push(record);
    const refuse = (status: string): void => {
      client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!basicAuthOk(request.headers['proxy-authorization'], options.auth)) {
      refuse('407 Proxy Authentication Required\r\nProxy-Authenticate: Basic');
      return;
    }
    if (target === undefined || !isLoopbackTarget(target.host)) {
      refuse('403 Forbidden');
      return;
    }
    const upstream = net.connect(target.port, target.host.replace(/^\[|\]$/g, ''));
    track(upstream);
    upstream.once('error', () => refuse('502 Bad Gateway'));
    upstream.once('connect', () => {
      record.allowed = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      relay(client, upstream, record);
    });
  });
  return server;
}

/** Reads exactly the bytes asked for from a socket during a handshake (bounded, timed). */
class HandshakeReader {
  #buffer: Buffer = Buffer.alloc(0);
  #total = 0;
  #wake: (() => void) | undefined;
  #failed: Error | undefined;
  readonly #socket: net.Socket;
  readonly #onData = (chunk: Buffer): void => {
    this.#total += chunk.length;
    if (this.#total > MAX_HANDSHAKE_BYTES) {
      this.#fail(new Error('handshake too long'));
      return;
    }
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    this.#wake?.();
  };

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.once('close', () => this.#fail(new Error('closed during the handshake')));
    socket.once('error', (error) => this.#fail(error));
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => this.#fail(new Error('handshake timeout')));
  }

  #fail(error: Error): void {
    this.#failed ??= error;
    this.#wake?.();
  }

  async read(length: number): Promise<Buffer> {
    while (this.#buffer.length < length) {
      if (this.#failed !== undefined) throw this.#failed;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    const out = this.#buffer.subarray(0, length);
    this.#buffer = this.#buffer.subarray(length);
    return out;
  }

  /** Stops reading; returns what arrived past the handshake (the start of the tunnel). */
  detach(): Buffer {
    this.#socket.off('data', this.#onData);
    this.#socket.setTimeout(0);
    return this.#buffer;
  }
}

async function socks5Target(
  reader: HandshakeReader,
  socket: net.Socket,
  auth: ProxyOptions['auth'],
): Promise<{ host: string; port: number } | undefined> {
  const [version, methodCount] = await reader.read(2);
  if (version !== 5 || methodCount === undefined || methodCount === 0) return undefined;
  const methods = [...(await reader.read(methodCount))];
  const wanted = auth === undefined ? 0x00 : 0x02;
  if (!methods.includes(wanted)) {
    socket.write(Buffer.from([5, 0xff]));
    return undefined;
  }
  socket.write(Buffer.from([5, wanted]));
  if (auth !== undefined) {
    const [subVersion, userLength = 0] = await reader.read(2);
    const username = (await reader.read(userLength)).toString('utf8');
    const [passwordLength = 0] = await reader.read(1);
    const password = (await reader.read(passwordLength)).toString('utf8');
    const ok = subVersion === 1 && username === auth.username && password === auth.password;
    socket.write(Buffer.from([1, ok ? 0 : 1]));
    if (!ok) return undefined;
  }
  const [requestVersion, command, , addressType] = await reader.read(4);
  if (requestVersion !== 5) return undefined;
  let host: string;
  if (addressType === 1) host = [...(await reader.read(4))].join('.');
  else if (addressType === 3) {
    const [length = 0] = await reader.read(1);
    host = (await reader.read(length)).toString('utf8');
  } else if (addressType === 4) {
    const raw = await reader.read(16);
    host = (raw.toString('hex').match(/.{4}/g) ?? []).join(':');
    host = net.isIPv6(host) ? host : '';
  } else return undefined;
  const port = (await reader.read(2)).readUInt16BE(0);
  if (command !== 1) {
    socket.write(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0])); // command not supported
    return undefined;
  }
  return { host, port };
}

async function socks5Session(
  socket: net.Socket,
  options: ProxyOptions,
  connections: ProxyConnection[],
  track: (socket: net.Socket) => void,
): Promise<void> {
  const reader = new HandshakeReader(socket);
  let target: { host: string; port: number } | undefined;
  try {
    target = await socks5Target(reader, socket, options.auth);
  } catch {
    target = undefined;
  }
  if (target === undefined) {
    socket.destroy();
    return;
  }
  const record: ProxyConnection = {
    target: `${target.host}:${target.port}`,
    mode: 'connect',
    allowed: false,
    bytesUp: 0,
    bytesDown: 0,
  };
  connections.push(record);
  if (!isLoopbackTarget(target.host)) {
    socket.end(Buffer.from([5, 2, 0, 1, 0, 0, 0, 0, 0, 0])); // not allowed by ruleset
    return;
  }
  const upstream = net.connect(target.port, target.host);
  track(upstream);
  upstream.once('error', () => socket.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
  upstream.once('connect', () => {
    record.allowed = true;
    const early = reader.detach();
    socket.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
    if (early.length > 0) {
      record.bytesUp += early.length;
      upstream.write(early);
    }
    relay(socket, upstream, record);
  });
}
