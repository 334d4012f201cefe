// The remote signalling client: a `MediaSignaling` in another process than the emulator,
// speaking its control endpoint (JSON calls, notifications by long-poll).

import { request as httpRequest } from 'node:http';
import type { BinaryNode, BinaryNodeMatcher, SignalingWaitOptions } from '@wa-media/protocol';
import { EmulatorError } from '../errors.js';
import type { EmulatorSignaling, EmulatorSignalingOptions } from '../signaling/in-process.js';
import { DEFAULT_QUERY_TIMEOUT_MS, guarded, NodeWaiters } from '../signaling/waiters.js';
import { nodeFromJson, nodeToJson } from './node-json.js';

/** Options of {@link connectEmulatorSignaling}. */
export interface RemoteSignalingOptions extends EmulatorSignalingOptions {
  /** The emulator's control token (`emulator.control.token`; a secret). */
  token: string;
  /** How long one long-poll for notifications may hold, ms. @default 25000 */
  pollWaitMs?: number;
}

interface ControlResponse {
  status: number;
  body: Record<string, unknown>;
}

/** One JSON call to the control endpoint. Errors never include the token. */
function call(
  base: URL,
  token: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<ControlResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest(
      new URL(path, base),
      {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': payload.length }),
        },
        ...(signal === undefined ? {} : { signal }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            // A non-JSON answer is reported by status below.
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', (error) =>
      reject(
        signal?.aborted
          ? error
          : new EmulatorError(
              'control-failed',
              `emulator control endpoint unreachable: ${error.message}`,
              {
                cause: error,
              },
            ),
      ),
    );
    req.end(payload);
  });
}

function failure(path: string, res: ControlResponse): EmulatorError {
  const error = res.body.error as { code?: unknown; message?: unknown } | undefined;
  const detail = typeof error?.message === 'string' ? `: ${error.message}` : '';
  const code = error?.code === 'timeout' ? 'timeout' : 'control-failed';
  return new EmulatorError(code, `emulator control ${path} answered ${res.status}${detail}`, {
    status: res.status,
  });
}

/**
 * Connects to a running emulator's control endpoint and returns a `MediaSignaling` that speaks
 * it, for tests and tools in another process than the emulator (the CLI, `serve --emulator`).
 * Notifications arrive by long-polling while the connection is open; call `close()` when done.
 *
 * @param url the emulator's `control.url`.
 * @throws {EmulatorError} `control-failed` when the endpoint is unreachable or refuses the
 * token; `bad-option` for a malformed URL.
 * @example
 * ```ts
 * const signaling = await connectEmulatorSignaling(info.controlUrl, { ownJid, token: info.controlToken });
 * const reply = await signaling.query(buildMediaConnIq());
 * signaling.close();
 * ```
 */
export async function connectEmulatorSignaling(
  url: string,
  options: RemoteSignalingOptions,
): Promise<EmulatorSignaling> {
  const { base, token, pollWaitMs } = checkRemoteOptions(url, options);
  const opened = await call(base, token, 'POST', '/_signal/sessions', {
    ownJid: options.ownJid ?? null,
  });
  if (opened.status !== 200 || typeof opened.body.session !== 'string') {
    throw failure('/_signal/sessions', opened);
  }
  const link = new SessionLink(base, token, opened.body.session);
  void link.pollEvents(pollWaitMs);
  const ownJid = options.ownJid;
  return {
    ownJid: () => ownJid,
    query: (node, queryOptions) => link.query(node, queryOptions),
    send: (node) => link.send(node),
    waitFor: (match, waitOptions) => link.waitFor(match, waitOptions),
    close: () => link.close(),
  };
}

/**
 * @throws {EmulatorError} `bad-option` for a malformed or non-http URL or a missing token.
 */
function checkRemoteOptions(
  url: string,
  options: RemoteSignalingOptions,
): { base: URL; token: string; pollWaitMs: number } {
  let base: URL;
  try {
    base = new URL(url);
  } catch (error) {
    throw new EmulatorError(
      'bad-option',
      'url must be the emulator control URL (http://127.0.0.1:<port>)',
      { cause: error },
    );
  }
  if (base.protocol !== 'http:') throw new EmulatorError('bad-option', 'url must use http:');
  const { token } = options;
  if (typeof token !== 'string' || token === '')
    throw new EmulatorError('bad-option', 'token is required');
  return { base, token, pollWaitMs: options.pollWaitMs ?? 25_000 };
}

/** One open remote session: its event loop, its calls, and its one shutdown. */
class SessionLink {
  readonly #base: URL;
  readonly #token: string;
  readonly #session: string;
  readonly #waiters = new NodeWaiters();
  readonly #stopPolling = new AbortController();
  #closed = false;
  #closedError: EmulatorError | undefined;

  constructor(base: URL, token: string, session: string) {
    this.#base = base;
    this.#token = token;
    this.#session = session;
  }

  #call(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal) {
    return call(this.#base, this.#token, method, path, body, signal);
  }

  #shutdown(error: EmulatorError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closedError = error;
    this.#stopPolling.abort();
    this.#waiters.rejectAll(error);
  }

  #ensureOpen(): void {
    if (this.#closed)
      throw (
        this.#closedError ??
        new EmulatorError('closed', 'the emulator signalling connection is closed')
      );
  }

  /** Like a socket's read loop: long-polls notifications from connect to close. */
  async pollEvents(pollWaitMs: number): Promise<void> {
    const path = `/_signal/events?session=${encodeURIComponent(this.#session)}&waitMs=${pollWaitMs}`;
    while (!this.#closed) {
      try {
        const res = await this.#call('GET', path, undefined, this.#stopPolling.signal);
        if (res.status !== 200) {
          this.#shutdown(failure('/_signal/events', res));
          return;
        }
        const events = Array.isArray(res.body.events) ? res.body.events : [];
        for (const event of events) this.#waiters.dispatch(nodeFromJson(event));
      } catch (error) {
        if (this.#closed) return;
        this.#shutdown(
          error instanceof EmulatorError
            ? error
            : new EmulatorError('closed', 'lost the emulator control connection', { cause: error }),
        );
        return;
      }
    }
  }

  query(node: BinaryNode, queryOptions?: SignalingWaitOptions): Promise<BinaryNode> {
    return guarded<BinaryNode>(
      'query',
      queryOptions,
      DEFAULT_QUERY_TIMEOUT_MS,
      (resolve, reject) => {
        try {
          this.#ensureOpen();
        } catch (error) {
          reject(error);
          return () => {};
        }
        const abort = new AbortController();
        const timeoutMs = Math.min(queryOptions?.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, 60_000);
        const body = { session: this.#session, node: nodeToJson(node), timeoutMs };
        this.#call('POST', '/_signal/query', body, abort.signal)
          .then((res) => {
            if (res.status !== 200) reject(failure('/_signal/query', res));
            else resolve(nodeFromJson(res.body.node));
          })
          .catch(reject);
        return () => abort.abort();
      },
    );
  }

  async send(node: BinaryNode): Promise<void> {
    this.#ensureOpen();
    const res = await this.#call('POST', '/_signal/send', {
      session: this.#session,
      node: nodeToJson(node),
    });
    if (res.status !== 200) throw failure('/_signal/send', res);
  }

  waitFor(match: BinaryNodeMatcher, waitOptions?: SignalingWaitOptions): Promise<BinaryNode> {
    return this.#waiters.waitFor(match, waitOptions, () =>
      this.#closed ? this.#closedError : undefined,
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#shutdown(new EmulatorError('closed', 'the emulator signalling connection is closed'));
    void this.#call('POST', '/_signal/close', { session: this.#session }).catch(() => {});
  }
}
