// The store's HTTP API server: bearer auth, routes of the media endpoints, JSON errors.

import { createHash, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  decodeMessage,
  isInvalidArgumentError,
  type Message,
  type NormalizedMessage,
  normalizeMessageInput,
} from '@wa-media/protocol';
import {
  type ApiError,
  type ApiMeta,
  apiError,
  STORE_ERROR_CODES as codes,
  STORE_API_VERSION,
} from '../api-shapes.js';
import {
  InvalidMediaInputError,
  isInvalidMediaInputError,
  isMediaNotFoundError,
  isMediaNotReadyError,
  isMediaStoreError,
} from '../errors.js';
import type { MediaRecord } from '../media/media-record.js';
import { isValidMimeType } from '../media/mime-type.js';
import type { StoreApi } from '../ports/store-api.js';
import { parseByteRange } from './byte-range.js';
import {
  applyConnectionPolicy,
  checkingIntervalMs,
  connectionLimits,
} from './connection-policy.js';
import { recordToJson } from './record-json.js';

/** Options of `store.listen`. */
export interface ListenOptions {
  /** Bearer token every request must carry (`Authorization: Bearer <token>`). At least 16 characters. */
  token: string;
  /** TCP port; 0 picks a free one. @default 0 */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Largest accepted request body, bytes (bigger → 413). @default 1048576 (1 MiB) */
  maxBodyBytes?: number;
  /** Time to receive a request's headers; slower ones answer 408 and close. @default 10000 */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, body included (not the answer). @default 60000 */
  requestTimeoutMs?: number;
  /** A connection with no traffic either way this long is closed. @default 60000 */
  idleTimeoutMs?: number;
  /** Open connections at once; further ones are closed at once. @default 256 */
  maxConnections?: number;
}

/** A running HTTP API. */
export interface ApiServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  /** Stops listening and closes open connections. Idempotent. */
  close(): Promise<void>;
}

const meta: ApiMeta = { api_status: 'stable', version: STORE_API_VERSION };

class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.details);
  }
}

function problem(status: number, code: number, details: string): HttpProblem {
  return new HttpProblem(status, apiError(code, details));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

// A failure after the answer started (a reader gone mid-download) cannot be told: the
// connection is cut. Before that, a request still sending its body gets its answer, then the
// connection is closed rather than read to the end.
function sendProblem(req: IncomingMessage, res: ServerResponse, error: HttpProblem): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  if (!req.complete) res.setHeader('connection', 'close');
  if (error.status === 401) res.setHeader('www-authenticate', 'Bearer');
  sendJson(res, error.status, { meta, errors: [error.error] });
}

// The record's own answer headers, built (and the type checked again: a record stored by an
// older version may hold any string) before a file is opened.
function mediaHeaders(record: MediaRecord): OutgoingHttpHeaders {
  return {
    'content-type': isValidMimeType(record.mimeType) ? record.mimeType : 'application/octet-stream',
    ...(record.size === undefined ? {} : { 'content-length': record.size }),
    'x-wa-media-sha256': record.sha256,
    etag: `"${record.sha256}"`,
    'accept-ranges': 'bytes',
    'cache-control': 'private, no-store',
    // The type comes from the sender: never let a browser sniff or run it.
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

// Hashing both sides first gives equal-length buffers, so the comparison time does not depend
// on how much of the token matched, nor on its length.
function authorized(req: IncomingMessage, tokenDigest: Buffer): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return false;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (match === null) return false;
  return timingSafeEqual(digest(match[1]!), tokenDigest);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw problem(413, codes.invalidParameter, `request body exceeds ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw problem(413, codes.invalidParameter, `request body exceeds ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const base64Pattern = /^[A-Za-z0-9+/_-]*={0,2}$/;

function requireField<T>(
  body: Record<string, unknown>,
  name: string,
  check: (value: unknown) => value is T,
  expected: string,
): T {
  const value = body[name];
  if (value === undefined || value === null) {
    throw problem(400, codes.missingParameter, `${name} is required`);
  }
  if (!check(value)) throw problem(400, codes.invalidParameter, `${name} must be ${expected}`);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isBoolean = (value: unknown): value is boolean => typeof value === 'boolean';

/** A parsed `POST /v1/media` body: the message, and who sent it where. */
interface RegisterBody {
  message: Message;
  msgId: string;
  chatJid: string;
  isFromMe: boolean;
  participant?: string;
}

/**
 * Three bodies: `{ message: base64 protobuf, msgId, chatJid, isFromMe, participant? }`, the same
 * with `message` as a JSON message (BufferJSON or plain JSON bytes), or a whole WAMessage as
 * Baileys' BufferJSON writes it (`{ key, message, … }`: the key says msgId, chatJid, isFromMe).
 */
function parseRegisterBody(raw: Buffer): RegisterBody {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw problem(400, codes.invalidParameter, 'request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw problem(400, codes.invalidParameter, 'request body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const { message, key } = parseRegisterMessage(fields);
  if (key !== undefined && fields.msgId === undefined && fields.chatJid === undefined) {
    return { message, ...key };
  }
  const parsed = {
    message,
    msgId: requireField(fields, 'msgId', isString, 'a string'),
    chatJid: requireField(fields, 'chatJid', isString, 'a string'),
    isFromMe: requireField(fields, 'isFromMe', isBoolean, 'a boolean'),
  };
  if (fields.participant !== undefined && fields.participant !== null) {
    if (!isString(fields.participant)) {
      throw problem(400, codes.invalidParameter, 'participant must be a string');
    }
    return { ...parsed, participant: fields.participant };
  }
  return parsed;
}

function parseRegisterMessage(fields: Record<string, unknown>): NormalizedMessage {
  const value = fields.message;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    try {
      return normalizeMessageInput(fields.key === undefined ? value : fields);
    } catch (error) {
      if (!isInvalidArgumentError(error)) throw error;
      throw problem(400, codes.invalidParameter, error.message.replace(/^Invalid /, ''));
    }
  }
  const encoded = requireField(
    fields,
    'message',
    isString,
    'base64 protobuf bytes or a JSON message',
  );
  if (encoded.length === 0 || !base64Pattern.test(encoded)) {
    throw problem(400, codes.invalidParameter, 'message must be base64 protobuf bytes');
  }
  try {
    return { message: decodeMessage(new Uint8Array(Buffer.from(encoded, 'base64'))) };
  } catch {
    throw problem(400, codes.invalidParameter, 'message is not a valid protobuf Message');
  }
}

function storeProblem(error: unknown, id: string): HttpProblem {
  if (isMediaNotFoundError(error)) return problem(404, codes.notFound, `media ${id} not found`);
  if (isMediaNotReadyError(error)) {
    const reason = error.reason === undefined ? '' : `: ${error.reason}`;
    return problem(409, codes.notReady, `media ${id} is not downloaded (${error.status}${reason})`);
  }
  if (isInvalidMediaInputError(error)) return problem(400, codes.invalidParameter, error.message);
  if (isMediaStoreError(error) && error.code === 'conflict') {
    return problem(409, codes.resourceExists, error.message);
  }
  if (isMediaStoreError(error) && error.code === 'closed') {
    return problem(503, codes.genericError, 'the store is closing');
  }
  return problem(500, codes.internalError, 'internal error');
}

type Handler = (req: IncomingMessage, res: ServerResponse, id: string) => Promise<void>;

interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
  /** Answered without the bearer token (health probes reveal nothing). */
  public?: boolean;
}

const defaultPageSize = 100;

// `GET /v1/media?limit=N&after=CURSOR`: one page, oldest first, and the next page's cursor.
async function sendMediaPage(store: StoreApi, req: IncomingMessage, res: ServerResponse) {
  const query = new URL(req.url ?? '/', 'http://store.invalid').searchParams;
  const limitText = query.get('limit');
  const limit = limitText === null ? defaultPageSize : Number(limitText);
  const after = query.get('after') ?? undefined;
  let page: Awaited<ReturnType<StoreApi['listPage']>>;
  try {
    page = await store.listPage(after === undefined ? { limit } : { limit, cursor: after });
  } catch (error) {
    throw storeProblem(error, '');
  }
  const paging =
    page.next === undefined
      ? {}
      : {
          paging: {
            cursors: { after: page.next },
            next: `/v1/media?limit=${limit}&after=${page.next}`,
          },
        };
  sendJson(res, 200, { media_items: page.items.map(recordToJson), ...paging, meta });
}

// Liveness, readiness and metrics.
function opsRoutes(store: StoreApi): Route[] {
  return [
    {
      pattern: /^\/healthz$/,
      public: true,
      methods: { GET: async (_req, res) => sendJson(res, 200, { status: 'ok' }) },
    },
    {
      pattern: /^\/readyz$/,
      public: true,
      methods: {
        GET: async (_req, res) => {
          const ready = await store.ready();
          sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable' });
        },
      },
    },
    {
      pattern: /^\/metrics$/,
      methods: {
        GET: async (_req, res) => {
          const { contentType, body } = await store.metrics();
          res.writeHead(200, {
            'content-type': contentType,
            'content-length': Buffer.byteLength(body),
            'cache-control': 'no-store',
          });
          res.end(body);
        },
      },
    },
  ];
}

function routes(store: StoreApi, maxBodyBytes: number): Route[] {
  const mediaNotFound = (id: string): HttpProblem =>
    problem(404, codes.notFound, `media ${id} not found`);
  return [
    {
      pattern: /^\/v1\/status$/,
      methods: {
        GET: async (_req, res) => sendJson(res, 200, { status: await store.status(), meta }),
      },
    },
    {
      pattern: /^\/v1\/media$/,
      methods: {
        GET: (req, res) => sendMediaPage(store, req, res),
        POST: async (req, res) => {
          const type = req.headers['content-type'] ?? '';
          if (!/^application\/json\b/i.test(type)) {
            throw problem(415, codes.invalidParameter, 'content-type must be application/json');
          }
          const { message, ...info } = parseRegisterBody(await readBody(req, maxBodyBytes));
          let result: { id: string; created: boolean };
          try {
            result = await store.register(message, info);
          } catch (error) {
            throw storeProblem(error, '');
          }
          sendJson(res, result.created ? 201 : 200, { media_items: [{ id: result.id }], meta });
        },
      },
    },
    {
      pattern: /^\/v1\/media\/([^/]+)\/download$/,
      methods: {
        GET: async (_req, res, id) => {
          try {
            await store.retryDownload(id);
          } catch (error) {
            throw storeProblem(error, id);
          }
          sendJson(res, 200, { media_items: [{ id }], meta });
        },
      },
    },
    {
      pattern: /^\/v1\/media\/([^/]+)\/status$/,
      methods: {
        GET: async (_req, res, id) => {
          const record = await store.get(id);
          if (record === undefined) throw mediaNotFound(id);
          sendJson(res, 200, { media_items: [recordToJson(record)], meta });
        },
      },
    },
    {
      pattern: /^\/v1\/media\/([^/]+)$/,
      methods: {
        GET: async (req, res, id) => {
          const record = await store.get(id);
          if (record === undefined) throw mediaNotFound(id);
          const range =
            record.size === undefined ? undefined : parseByteRange(req.headers.range, record.size);
          if (range === 'unsatisfiable') {
            res.writeHead(416, { 'content-range': `bytes */${record.size}` });
            res.end();
            return;
          }
          const headers = mediaHeaders(record);
          let stream: ReadableStream<Uint8Array>;
          try {
            stream = await store.open(id, range);
          } catch (error) {
            throw storeProblem(error, id);
          }
          const body = Readable.fromWeb(stream as import('node:stream/web').ReadableStream);
          try {
            if (range === undefined) res.writeHead(200, headers);
            else {
              res.writeHead(206, {
                ...headers,
                'content-length': range.end - range.start + 1,
                'content-range': `bytes ${range.start}-${range.end}/${record.size}`,
              });
            }
          } catch (error) {
            // The open file must not outlive a refused answer.
            body.destroy();
            throw error;
          }
          await pipeline(body, res);
        },
        DELETE: async (_req, res, id) => {
          let deleted: boolean;
          try {
            deleted = await store.delete(id);
          } catch (error) {
            throw storeProblem(error, id);
          }
          if (!deleted) throw mediaNotFound(id);
          sendJson(res, 200, { meta });
        },
      },
    },
  ];
}

function safeIdForMessage(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    id = raw;
  }
  // Echo at most a short, printable id: the details must stay readable and harmless.
  return /^[\w-]{1,64}$/.test(id) ? id : '<invalid id>';
}

/**
 * Serves a store's HTTP API. Every request but `/healthz` and `/readyz` needs the bearer token;
 * every failure answers
 * `{ meta, errors: [{ code, title, details }] }`.
 * @throws {InvalidMediaInputError} a token shorter than 16 characters or bad limits.
 */
export async function startApiServer(store: StoreApi, options: ListenOptions): Promise<ApiServer> {
  if (typeof options?.token !== 'string' || options.token.length < 16 || /\s/.test(options.token)) {
    throw new InvalidMediaInputError('token', 'must be at least 16 characters without spaces');
  }
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InvalidMediaInputError('maxBodyBytes', 'must be a positive integer');
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidMediaInputError('port', 'must be an integer 0..65535');
  }
  const host = options.host ?? '127.0.0.1';
  const limits = connectionLimits(options);
  const tokenDigest = digest(options.token);
  const table = [...opsRoutes(store), ...routes(store, maxBodyBytes)];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const publicRoute = table.some((route) => route.public === true && route.pattern.test(path));
      if (!publicRoute && !authorized(req, tokenDigest)) {
        throw problem(401, codes.accessDenied, 'missing or invalid bearer token');
      }
      for (const route of table) {
        const match = route.pattern.exec(path);
        if (match === null) continue;
        const handler = route.methods[req.method ?? ''];
        if (handler === undefined) {
          res.setHeader('allow', Object.keys(route.methods).join(', '));
          throw problem(405, codes.genericError, `method ${req.method} not allowed here`);
        }
        await handler(req, res, safeIdForMessage(match[1] ?? ''));
        return;
      }
      throw problem(404, codes.notFound, 'URL path not found.');
    } catch (error) {
      sendProblem(
        req,
        res,
        error instanceof HttpProblem ? error : problem(500, codes.internalError, 'internal error'),
      );
    }
  };
  const server = createServer(
    { connectionsCheckingInterval: checkingIntervalMs(limits) },
    (req, res) => {
      // A peer that vanishes mid-request errors these streams; that is its problem, not ours.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      handle(req, res).catch(() => res.destroy());
    },
  );
  applyConnectionPolicy(server, limits);

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(port, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
