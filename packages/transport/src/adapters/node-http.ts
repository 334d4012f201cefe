// The node:http/https adapter: keep-alive agents, fixed-length streamed uploads written with
// backpressure, and response bodies handed over chunk by chunk as the socket delivers them.
// Imported only through `@wa-media/transport/node`.

import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type {
  BodySource,
  RequestBodySource,
  SendFunction,
  TransportRequest,
  TransportResponse,
} from '../core/adapter-contract.js';
import { isPrivateAddress } from '../core/addresses.js';
import { defineHttpClient } from '../core/define-client.js';
import type { HttpClient, HttpClientConfig, HttpClientOptions } from '../types.js';

/** Options of {@link createNodeHttpClient}. */
export interface NodeHttpClientOptions extends HttpClientOptions {
  /**
   * Options for the agents this client creates (ignored for a protocol whose agent you pass).
   * `keepAlive` is forced on unless you set it to `false`.
   * @default { keepAlive: true } (Node's defaults otherwise: `maxSockets: Infinity`)
   * @example { maxSockets: 8, keepAliveMsecs: 2_000 }
   */
  readonly agentOptions?: http.AgentOptions;
  /**
   * One agent for every URL, `http:` and `https:`: how to send media through a proxy (an agent
   * that handles both schemes, like `HttpsProxyAgent` from https-proxy-agent or
   * `SocksProxyAgent` from socks-proxy-agent). `httpAgent` / `httpsAgent` win over it for their
   * scheme. Not closed by `close()`.
   * @default none (this client's own keep-alive agents)
   * @example
   * ```ts
   * import { SocksProxyAgent } from 'socks-proxy-agent';
   * const http = createNodeHttpClient({ agent: new SocksProxyAgent('socks5://127.0.0.1:1080') });
   * ```
   */
  readonly agent?: http.Agent;
  /** Your own agent for `http:` URLs (e.g. a proxy agent). Not closed by `close()`. */
  readonly httpAgent?: http.Agent;
  /** Your own agent for `https:` URLs (e.g. a proxy agent or custom CA). Not closed by `close()`. */
  readonly httpsAgent?: https.Agent;
}

/** `client.config` of the node adapter. */
export interface NodeHttpClientConfig extends HttpClientConfig {
  /** The agent for `http:` URLs (yours, or the adapter's keep-alive agent). */
  readonly httpAgent: http.Agent;
  /** The agent for `https:` URLs (yours, or the adapter's keep-alive agent). */
  readonly httpsAgent: https.Agent;
}

/** The node adapter, plus `close()` to release the sockets its agents keep alive. */
export interface NodeHttpClient extends HttpClient<NodeHttpClientConfig> {
  /** Destroys the keep-alive sockets of the agents this client created (not yours). */
  close(): void;
}

/** Read-ahead of a response body before the consumer asks for more. */
const RESPONSE_HIGH_WATER_MARK = 1024 * 1024;
/** The socket, once paused, resumes when the buffer falls to this. */
const RESPONSE_LOW_WATER_MARK = RESPONSE_HIGH_WATER_MARK / 2;

/**
 * Creates a client on node:http/https: the fastest path on Node and a truly streaming upload.
 *
 * @example
 * ```ts
 * import { createNodeHttpClient } from '@wa-media/transport/node';
 * const http = createNodeHttpClient({ agentOptions: { maxSockets: 8 } });
 * // … later
 * http.close();
 * ```
 * @throws {RangeError} invalid timeouts or `maxRedirects`.
 */
export function createNodeHttpClient(options: NodeHttpClientOptions = {}): NodeHttpClient {
  const { agentOptions, agent, httpAgent: givenHttp, httpsAgent: givenHttps, ...common } = options;
  const httpAgent = givenHttp ?? agent;
  const httpsAgent = givenHttps ?? (agent as https.Agent | undefined);
  const ownAgentOptions = { keepAlive: true, ...agentOptions };
  const ownHttp = httpAgent ? null : new http.Agent(ownAgentOptions);
  const ownHttps = httpsAgent ? null : new https.Agent(ownAgentOptions);
  const agents = {
    httpAgent: httpAgent ?? (ownHttp as http.Agent),
    httpsAgent: httpsAgent ?? (ownHttps as https.Agent),
  };
  const send: SendFunction = (hop) => sendWithNode(hop, agents);
  const client = defineHttpClient({ name: 'node', send, options: common, extraConfig: agents });
  return {
    ...client,
    close: () => {
      ownHttp?.destroy();
      ownHttps?.destroy();
    },
  };
}

function sendWithNode(
  hop: TransportRequest,
  agents: { readonly httpAgent: http.Agent; readonly httpsAgent: https.Agent },
): Promise<TransportResponse> {
  return new Promise<TransportResponse>((resolve, reject) => {
    const secure = hop.url.protocol === 'https:';
    const request = (secure ? https : http).request(hop.url, {
      method: hop.method,
      headers: hop.headers,
      agent: secure ? agents.httpsAgent : agents.httpAgent,
      ...(hop.publicAddressesOnly ? { lookup: publicOnlyLookup } : {}),
    });
    let responded = false;
    const onAbort = (): void => {
      request.destroy(asError(hop.signal.reason));
    };
    hop.signal.addEventListener('abort', onAbort, { once: true });
    const release = (): void => hop.signal.removeEventListener('abort', onAbort);

    request.on('error', (error) => {
      if (!responded) {
        release();
        reject(error);
      }
    });
    request.on('response', (response) => {
      responded = true;
      resolve({
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? '',
        headers: recordOf(response.headers),
        body: responseSource(request, response, release),
      });
    });
    if (hop.signal.aborted) {
      onAbort();
      return;
    }
    if (hop.bodySource) {
      void writeBody(hop.bodySource, request);
    } else {
      request.end();
    }
  });
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * `dns.lookup` that fails when an answer is a private, loopback or link-local address: a name
 * that resolves (or is re-bound) to an internal service is refused after resolution, not only
 * by its spelling. Every address of an `all: true` answer must pass.
 */
function publicOnlyLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: LookupCallback,
): void {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, []);
      return;
    }
    const refused = addresses.find((entry) => isPrivateAddress(entry.address));
    if (refused !== undefined) {
      const failure: NodeJS.ErrnoException = new Error(
        `Refused ${hostname}: it resolves to the private, loopback or link-local address ${refused.address}`,
      );
      failure.code = 'ERR_PRIVATE_ADDRESS';
      callback(failure, []);
      return;
    }
    if (options.all === true) callback(null, addresses);
    else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
  });
}

/**
 * Writes the body chunk by chunk, waiting for `drain` whenever the socket buffer is full. Reads
 * the plain source rather than the stream: one promise less per chunk.
 */
async function writeBody(body: RequestBodySource, request: http.ClientRequest): Promise<void> {
  try {
    for (;;) {
      if (request.destroyed) {
        await body.cancel().catch(() => undefined);
        return;
      }
      const chunk = await body.read();
      if (chunk === null) {
        request.end();
        return;
      }
      if (!request.write(chunk)) await drained(request);
    }
  } catch (error) {
    // The body failed (length mismatch, source error): never let a partial body look complete.
    request.destroy(asError(error));
  }
}

function drained(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.on('drain', done);
    request.on('close', done);
  });
}

/**
 * The response as a pull source fed by `data` events: chunks are handed over as the socket
 * delivers them (no re-concatenation), and the socket is paused while the consumer is more than
 * `RESPONSE_HIGH_WATER_MARK` bytes behind.
 */
function responseSource(
  request: http.ClientRequest,
  response: http.IncomingMessage,
  release: () => void,
): BodySource {
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let ended = false;
  let failure: Error | null = null;
  let waiter: {
    resolve: (chunk: Uint8Array | null) => void;
    reject: (error: Error) => void;
  } | null = null;
  const view = (chunk: Buffer): Uint8Array =>
    new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);

  response.on('data', (chunk: Buffer) => {
    if (waiter) {
      const pending = waiter;
      waiter = null;
      pending.resolve(view(chunk));
      return;
    }
    queue.push(chunk);
    queuedBytes += chunk.byteLength;
    if (queuedBytes >= RESPONSE_HIGH_WATER_MARK) response.pause();
  });
  response.on('end', () => {
    ended = true;
    release();
    if (waiter && queue.length === 0) {
      waiter.resolve(null);
      waiter = null;
    }
  });
  const fail = (error: Error): void => {
    if (ended || failure) return;
    failure = error;
    release();
    if (waiter) {
      waiter.reject(error);
      waiter = null;
    }
  };
  response.on('error', fail);
  response.on('close', () => {
    if (!response.complete) {
      fail(
        Object.assign(new Error('Connection closed before the response body ended'), {
          code: 'ECONNRESET',
        }),
      );
    }
  });
  request.on('error', fail);

  const readBuffered = (): Uint8Array | null | undefined => {
    const chunk = queue.shift();
    if (chunk) {
      queuedBytes -= chunk.byteLength;
      // Hysteresis: resume only once half the read-ahead is consumed, so a consumer running
      // just behind the network does not pause and resume the socket on every chunk.
      if (queuedBytes <= RESPONSE_LOW_WATER_MARK && response.isPaused() && !ended) {
        response.resume();
      }
      return view(chunk);
    }
    if (failure) throw failure;
    if (ended) return null;
    return undefined;
  };

  return {
    readBuffered,
    read: () => {
      let chunk: Uint8Array | null | undefined;
      try {
        chunk = readBuffered();
      } catch (error) {
        return Promise.reject(error);
      }
      if (chunk !== undefined) return Promise.resolve(chunk);
      if (response.isPaused()) response.resume();
      return new Promise((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    cancel: () => {
      queue.length = 0;
      queuedBytes = 0;
      if (ended) return;
      ended = true;
      release();
      // A read still waiting must settle (the core may be waiting in it).
      if (waiter) {
        waiter.resolve(null);
        waiter = null;
      }
      // Fully received (e.g. HEAD, 204): the socket is clean and goes back to the pool.
      if (response.complete) {
        response.resume();
        return;
      }
      // Unread bytes make the socket unusable for the next request: drop it.
      response.destroy();
      request.destroy();
    },
  };
}

function recordOf(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
