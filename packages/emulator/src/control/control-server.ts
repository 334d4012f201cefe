// The control endpoint: JSON over HTTP on its own port, so tests and tools in other processes
// drive the emulator (remote signalling, faults, clock, log, media and phone seeding).

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { BinaryNode } from '@wa-media/protocol';
import type { Emulator } from '../emulator-types.js';
import { isEmulatorError } from '../errors.js';
import { validateFault } from '../faults/fault-controller.js';
import type { FaultRule, RandomFaultOptions } from '../faults/types.js';
import { listen } from '../servers.js';
import { checkOwnJid } from '../signaling/in-process.js';
import type { SignalingBehavior, SignalingPeer, SignalingSession } from '../signaling/peer.js';
import { DEFAULT_QUERY_TIMEOUT_MS, guarded } from '../signaling/waiters.js';
import { bytesFromJson, nodeFromJson, nodeToJson } from './node-json.js';

/** Longest a control request may hold (long-poll and query waits), ms. */
const MAX_WAIT_MS = 60_000;
/** Events kept per remote session before the oldest are dropped. */
const MAX_QUEUED_EVENTS = 1000;
/** A remote session nobody polled or used for this long is dropped (its client is gone). */
const SESSION_IDLE_MS = 120_000;
const MAX_BODY_BYTES = 512 * 1024 * 1024;

/** A control request refused with `status` and a JSON `{ error: { code, message } }`. */
class ControlRequestError extends Error {
  override readonly name = 'ControlRequestError';
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A signalling session of another process: notifications wait in a queue for its long-poll. */
class RemoteSession implements SignalingSession {
  readonly jid: string | undefined;
  closed = false;
  /** performance.now() of the last request that used the session. */
  lastUsed: number = performance.now();
  readonly #queue: BinaryNode[] = [];
  #poller: ((nodes: BinaryNode[]) => void) | undefined;

  constructor(jid: string | undefined) {
    this.jid = jid;
  }

  deliver(node: BinaryNode): void {
    this.#queue.push(node);
    if (this.#queue.length > MAX_QUEUED_EVENTS) this.#queue.shift();
    this.#wake();
  }

  /** Resolves with the queued nodes at once, or with the next ones, or [] after `waitMs`. */
  take(waitMs: number, req: IncomingMessage): Promise<BinaryNode[]> {
    if (this.#queue.length > 0 || waitMs <= 0 || this.closed) return Promise.resolve(this.#drain());
    // One poller at a time: a newer poll replaces (and answers) an older one.
    this.#poller?.([]);
    return new Promise((resolve) => {
      const finish = (nodes: BinaryNode[]): void => {
        clearTimeout(timer);
        req.off('close', onGone);
        if (this.#poller === finish) this.#poller = undefined;
        resolve(nodes);
      };
      const onGone = (): void => finish([]);
      const timer = setTimeout(() => finish(this.#drain()), waitMs);
      req.on('close', onGone);
      this.#poller = finish;
    });
  }

  get polling(): boolean {
    return this.#poller !== undefined;
  }

  close(): void {
    this.closed = true;
    this.#wake();
  }

  #wake(): void {
    const poller = this.#poller;
    if (poller !== undefined) poller(this.#drain());
  }

  #drain(): BinaryNode[] {
    return this.#queue.splice(0, this.#queue.length);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).length;
    if (length > MAX_BODY_BYTES)
      throw new ControlRequestError(413, 'too-large', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  if (length === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new ControlRequestError(400, 'bad-json', 'body must be a JSON object');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.end(bytes);
}

function checkToken(req: IncomingMessage, token: Buffer): boolean {
  const header = req.headers.authorization ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
  return given.length === token.length && timingSafeEqual(given, token);
}

function waitParam(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new ControlRequestError(400, 'bad-request', 'wait time must be a number ≥ 0');
  return Math.min(n, MAX_WAIT_MS);
}

function stringField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') {
    throw new ControlRequestError(400, 'bad-request', `${name} must be a non-empty string`);
  }
  return value;
}

/** What the control endpoint drives: the emulator's state, never its servers. */
export type ControlTarget = Pick<
  Emulator,
  | 'hosts'
  | 'clock'
  | 'faults'
  | 'phone'
  | 'log'
  | 'clearLog'
  | 'reset'
  | 'issueAuth'
  | 'setSignalingBehavior'
  | 'putMedia'
  | 'expireMedia'
>;

type Route = (req: IncomingMessage, url: URL) => Promise<[number, unknown]>;
type Routes = Record<string, Route>;

/** The signalling sessions of other processes, by id. */
class RemoteSessions {
  readonly #sessions = new Map<string, RemoteSession>();

  open(ownJid: string | undefined): string {
    const id = randomBytes(12).toString('base64url');
    this.#sessions.set(id, new RemoteSession(ownJid));
    return id;
  }

  /** The session `id`, marked as used. */
  get(id: unknown): RemoteSession {
    const found = typeof id === 'string' ? this.#sessions.get(id) : undefined;
    if (found === undefined)
      throw new ControlRequestError(404, 'unknown-session', 'unknown signalling session');
    found.lastUsed = performance.now();
    return found;
  }

  /** Closes the session `id`; `false` when there was none. */
  close(id: string): boolean {
    const found = this.#sessions.get(id);
    found?.close();
    this.#sessions.delete(id);
    return found !== undefined;
  }

  // Swept on each request instead of by a timer, so an idle emulator schedules nothing.
  dropIdle(): void {
    const now = performance.now();
    for (const [id, found] of this.#sessions) {
      if (!found.polling && now - found.lastUsed > SESSION_IDLE_MS) {
        found.close();
        this.#sessions.delete(id);
      }
    }
  }

  closeAll(): void {
    for (const found of this.#sessions.values()) found.close();
    this.#sessions.clear();
  }
}

/** `/_signal/*`: remote signalling sessions (what `connectEmulatorSignaling` speaks). */
function signalingRoutes(
  target: ControlTarget,
  peer: SignalingPeer,
  sessions: RemoteSessions,
): Routes {
  return {
    'POST /_signal/sessions': async (req) => {
      const body = await readJson(req);
      const ownJid = checkOwnJid(body.ownJid === null ? undefined : body.ownJid);
      return [200, { session: sessions.open(ownJid) }];
    },
    'POST /_signal/close': async (req) => {
      const body = await readJson(req);
      return [200, { closed: sessions.close(String(body.session)) }];
    },
    'POST /_signal/query': async (req) => {
      const body = await readJson(req);
      sessions.get(body.session);
      const node = nodeFromJson(body.node);
      const timeoutMs = waitParam(body.timeoutMs, DEFAULT_QUERY_TIMEOUT_MS);
      try {
        const reply = await guarded<BinaryNode>('query', { timeoutMs }, timeoutMs, (resolve) => {
          peer.query(node)?.then(resolve);
          return () => {};
        });
        return [200, { node: nodeToJson(reply) }];
      } catch (error) {
        if (isEmulatorError(error) && error.code === 'timeout') {
          throw new ControlRequestError(504, 'timeout', error.message);
        }
        throw error;
      }
    },
    'POST /_signal/send': async (req) => {
      const body = await readJson(req);
      peer.send(nodeFromJson(body.node), sessions.get(body.session));
      return [200, {}];
    },
    'GET /_signal/events': async (req, url) => {
      const found = sessions.get(url.searchParams.get('session'));
      const nodes = await found.take(waitParam(url.searchParams.get('waitMs'), 25_000), req);
      return [200, { events: nodes.map(nodeToJson) }];
    },
    'POST /_signal/behavior': async (req) => {
      const body = (await readJson(req)) as SignalingBehavior;
      target.setSignalingBehavior(body);
      return [200, { behavior: peer.behavior }];
    },
  };
}

/** `/_faults*`: fault rules, random faults and the bandwidth limit. */
function faultRoutes(target: ControlTarget): Routes {
  const { faults } = target;
  return {
    'GET /_faults': async () => [200, { rules: faults.rules, bandwidth: faults.bandwidth }],
    'POST /_faults': async (req) => {
      const body = await readJson(req);
      validateFault(body.fault, 'rule.fault');
      return [200, { id: faults.add(body as unknown as FaultRule) }];
    },
    'POST /_faults/remove': async (req) => {
      const body = await readJson(req);
      return [200, { removed: faults.remove(String(body.id)) }];
    },
    'POST /_faults/clear': async () => {
      faults.clear();
      return [200, {}];
    },
    'POST /_faults/random': async (req) => {
      const body = await readJson(req);
      faults.random(
        Object.keys(body).length === 0 ? null : (body as unknown as RandomFaultOptions),
      );
      return [200, {}];
    },
    'POST /_faults/bandwidth': async (req) => {
      const body = await readJson(req);
      faults.setBandwidth((body.bytesPerSec ?? null) as number | null);
      return [200, { bandwidth: faults.bandwidth }];
    },
  };
}

/** The clock, the request log, auth, media and phone seeding, and reset. */
function stateRoutes(target: ControlTarget, peer: SignalingPeer): Routes {
  return {
    'GET /_info': async () => [
      200,
      { hosts: target.hosts, behavior: peer.behavior, now: target.clock.now() },
    ],
    'GET /_clock': async () => [200, { now: target.clock.now() }],
    'POST /_clock': async (req) => {
      const body = await readJson(req);
      if (body.reset === true) target.clock.reset();
      if (body.setMs !== undefined) target.clock.set(Number(body.setMs));
      if (body.advanceMs !== undefined) target.clock.advance(Number(body.advanceMs));
      return [200, { now: target.clock.now() }];
    },
    'GET /_log': async () => [200, { entries: target.log }],
    'POST /_log/clear': async () => {
      target.clearLog();
      return [200, {}];
    },
    'POST /_auth': async () => [200, { auth: target.issueAuth() }],
    'POST /_media': async (req) => {
      const body = await readJson(req);
      const mmsType = typeof body.mmsType === 'string' ? body.mmsType : undefined;
      const bytes = bytesFromJson(body.bytes, 'bytes');
      return [200, target.putMedia(bytes, mmsType === undefined ? {} : { mmsType })];
    },
    'POST /_media/expire': async (req) => {
      const body = await readJson(req);
      return [200, { expired: target.expireMedia(stringField(body, 'directPath')) }];
    },
    'POST /_phone/remember': async (req) => {
      const body = await readJson(req);
      const params = {
        msgId: stringField(body, 'msgId'),
        mediaKey: bytesFromJson(body.mediaKey, 'mediaKey'),
        ...(typeof body.directPath === 'string' ? { directPath: body.directPath } : {}),
        ...(body.blob === undefined ? {} : { blob: bytesFromJson(body.blob, 'blob') }),
        ...(typeof body.mmsType === 'string' ? { mmsType: body.mmsType } : {}),
        ...(typeof body.chatJid === 'string' ? { chatJid: body.chatJid } : {}),
      };
      return [200, target.phone.remember(params)];
    },
    'GET /_phone/requests': async () => [200, { requests: target.phone.requests }],
    'POST /_reset': async () => {
      target.reset();
      return [200, {}];
    },
  };
}

/** Answers one control request: token, route, and errors as JSON. */
async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  token: Buffer,
  routes: Routes,
  sessions: RemoteSessions,
): Promise<void> {
  try {
    if (!checkToken(req, token))
      throw new ControlRequestError(401, 'unauthorized', 'missing or wrong control token');
    sessions.dropIdle();
    const url = new URL(req.url ?? '/', 'http://control.invalid');
    const route = routes[`${req.method} ${url.pathname}`];
    if (route === undefined)
      throw new ControlRequestError(404, 'not-found', `no route ${req.method} ${url.pathname}`);
    const [status, body] = await route(req, url);
    send(res, status, body);
  } catch (error) {
    if (error instanceof ControlRequestError) {
      send(res, error.status, { error: { code: error.code, message: error.message } });
    } else if (isEmulatorError(error)) {
      send(res, 400, { error: { code: error.code, message: error.message } });
    } else {
      const message = error instanceof Error ? error.message : String(error);
      send(res, 500, { error: { code: 'internal', message } });
    }
  }
}

/**
 * The emulator's JSON-over-HTTP control endpoint: remote signalling (`/_signal/*`), faults,
 * clock, log, phone and media seeding. Every request needs `Authorization: Bearer <token>`.
 */
export async function startControlServer(params: {
  target: ControlTarget;
  peer: SignalingPeer;
  port: number;
  token: string;
}): Promise<{ server: Server; url: string }> {
  const { target, peer } = params;
  const token = Buffer.from(params.token);
  const sessions = new RemoteSessions();
  const routes: Routes = {
    ...stateRoutes(target, peer),
    ...signalingRoutes(target, peer, sessions),
    ...faultRoutes(target),
  };
  const server = createServer((req, res) => {
    void answer(req, res, token, routes, sessions);
  });
  server.on('close', () => sessions.closeAll());
  const port = await listen(server, params.port);
  return { server, url: `http://127.0.0.1:${port}` };
}
