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
  let base: URL;
  try {
    base = new URL(url);
  } catch (error) {
    throw new EmulatorError(
      'bad-option',
      'url must be the emulator control URL (http://127.0.0.1:<port>)',
      {
        cause: error,
      },
    );
  }
  if (base.protocol !== 'http:') throw new EmulatorError('bad-option', 'url must use http:');
  const { token } = options;
  if (typeof token !== 'string' || token === '')
    throw new EmulatorError('bad-option', 'token is required');
  const pollWaitMs = options.pollWaitMs ?? 25_000;

  const opened = await call(base, token, 'POST', '/_signal/sessions', {
    ownJid: options.ownJid ?? null,
  });
  if (opened.status !== 200 || typeof opened.body.session !== 'string') {
    throw failure('/_signal/sessions', opened);
  }
  const session = opened.body.session;
  const ownJid = options.ownJid;
  const waiters = new NodeWaiters();
  const stopPolling = new AbortController();
  let closed = false;
  let closedError: EmulatorError | undefined;

  const shutdown = (error: EmulatorError): void => {
    if (closed) return;
    closed = true;
    closedError = error;
    stopPolling.abort();
    waiters.rejectAll(error);
  };

  // Like a socket's read loop: runs from connect to close.
  void (async () => {
    while (!closed) {
      try {
        const res = await call(
          base,
          token,
          'GET',
          `/_signal/events?session=${encodeURIComponent(session)}&waitMs=${pollWaitMs}`,
          undefined,
          stopPolling.signal,
        );
        if (res.status !== 200) {
          shutdown(failure('/_signal/events', res));
          return;
        }
        const events = Array.isArray(res.body.events) ? res.body.events : [];
        for (const event of events) waiters.dispatch(nodeFromJson(event));
      } catch (error) {
        if (closed) return;
        shutdown(
          error instanceof EmulatorError
            ? error
            : new EmulatorError('closed', 'lost the emulator control connection', { cause: error }),
        );
        return;
      }
    }
  })();

  const ensureOpen = (): void => {
    if (closed)
      throw (
        closedError ?? new EmulatorError('closed', 'the emulator signalling connection is closed')
      );
  };

  return {
    ownJid: () => ownJid,
    query(node: BinaryNode, queryOptions?: SignalingWaitOptions): Promise<BinaryNode> {
      return guarded<BinaryNode>(
        'query',
        queryOptions,
        DEFAULT_QUERY_TIMEOUT_MS,
        (resolve, reject) => {
          try {
            ensureOpen();
          } catch (error) {
            reject(error);
            return () => {};
          }
          const abort = new AbortController();
          const timeoutMs = Math.min(queryOptions?.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, 60_000);
          call(
            base,
            token,
            'POST',
            '/_signal/query',
            { session, node: nodeToJson(node), timeoutMs },
            abort.signal,
          )
            .then((res) => {
              if (res.status !== 200) reject(failure('/_signal/query', res));
              else resolve(nodeFromJson(res.body.node));
            })
            .catch(reject);
          return () => abort.abort();
        },
      );
    },
    async send(node: BinaryNode): Promise<void> {
      ensureOpen();
      const res = await call(base, token, 'POST', '/_signal/send', {
        session,
        node: nodeToJson(node),
      });
      if (res.status !== 200) throw failure('/_signal/send', res);
    },
    waitFor(match: BinaryNodeMatcher, waitOptions?: SignalingWaitOptions): Promise<BinaryNode> {
      return waiters.waitFor(match, waitOptions, () => (closed ? closedError : undefined));
    },
    close(): void {
      if (closed) return;
      shutdown(new EmulatorError('closed', 'the emulator signalling connection is closed'));
      void call(base, token, 'POST', '/_signal/close', { session }).catch(() => {});
    },
  };
}
