// The CDN's request handler: routes one request (upload, resume probe, download) of one host,
// applies faults, checks auth and signed URLs, and logs the exchange.

import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { EmulatorClock } from '../clock.js';
import type { Faults } from '../faults/fault-controller.js';
import type { Pacer } from '../faults/pacer.js';
import type { Fault, RequestKind } from '../faults/types.js';
import type { AuthTokens } from './auth-tokens.js';
import { receiveBody, sendBody, sleepUnlessClosed, Throttle } from './body-transfer.js';
import {
  isHostileBodyFault,
  sendCrlfHeaders,
  sendHostileBody,
  sendRedirect,
} from './hostile-replies.js';
import { type MediaStore, PUBLIC_MEDIA_ORIGIN, type StoredMedia } from './media-store.js';
import type { LogDraft, RequestLogEntry } from './request-log.js';
import { serverThumbnailReply } from './server-thumbnail.js';
import { redactPath, verifySignedQuery } from './signed-url.js';
import { matchUploadPath, type UploadRoute } from './upload-routes.js';

/** The only Origin the CDN accepts on uploads (docs/protocol.md §4). */
export const WHATSAPP_WEB_ORIGIN = 'https://web.whatsapp.com';

export interface CdnSettings {
  /** Status for expired media (and for a past `oe`). */
  readonly expiredStatus: 404 | 410;
  /** Largest accepted upload. */
  readonly maxUploadBytes: number;
  /** How long an upload body may wait for its next byte before a 408. */
  readonly uploadIdleTimeoutMs: number;
}

/** What every host shares: the one store, clock, auth tokens, faults and log. */
export interface CdnContext {
  readonly store: MediaStore;
  readonly auth: AuthTokens;
  readonly clock: EmulatorClock;
  readonly faults: Faults;
  readonly secret: Uint8Array;
  readonly settings: CdnSettings;
  globalPacer(): Pacer | undefined;
  nextSeq(): number;
  record(entry: RequestLogEntry): void;
  inFlight(delta: 1 | -1): void;
}

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly fault: Fault | undefined;
  readonly throttle: Throttle;
  readonly draft: LogDraft;
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The response in flight on each connection, to answer parse errors like Node would. */
const responses = new WeakMap<Duplex, ServerResponse>();
/**
 * Uploads being received. HTTP/1.1 clients send nothing after a body until the response, so
 * bytes that arrive once the declared length is complete (Node's parser reports them as a
 * malformed next request, often in the same read as the body's end) mean the body overran.
 */
const overrunWatch = new WeakMap<Duplex, { readonly req: IncomingMessage; overrun: boolean }>();

/**
 * The hosts' `clientError` listener. A parse error right after an upload body is that upload's
 * overrun: the upload handler answers it. Anything else is answered as Node's default would
 * (a bare 400, 408 or 431 when no response has started), then the connection is closed.
 */
export function handleCdnClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const watch = overrunWatch.get(socket);
  if (watch?.req.complete === true) {
    watch.overrun = true;
    return;
  }
  const res = responses.get(socket);
  if (socket.writable && error.code !== 'ECONNRESET' && res?.headersSent !== true) {
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy();
}

/** Lets pending socket reads run: two event-loop turns always include one I/O poll. */
async function afterPendingReads(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

function classify(method: string, url: URL): RequestKind | 'other' {
  if (method === 'POST') {
    if (matchUploadPath(url.pathname) === undefined) return 'other';
    return url.searchParams.get('resume') === '1' ? 'probe' : 'upload';
  }
  if (method === 'GET' || method === 'HEAD') return 'download';
  return 'other';
}

async function reply(
  ex: Exchange,
  status: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<void> {
  const { res } = ex;
  if (res.destroyed) return;
  if (status >= 400 && typeof body.error === 'string') ex.draft.reason = body.error;
  const bytes = Buffer.from(JSON.stringify(body));
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', bytes.length);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  const isHead = ex.req.method === 'HEAD';
  if (isHead) {
    res.end();
    return;
  }
  // JSON replies get the truncate fault, and a probe (which has no body to cut) the reset;
  // the other faults act on the media bytes.
  const fault = ex.fault;
  const applies =
    fault?.kind === 'truncate' || (fault?.kind === 'reset' && ex.draft.kind === 'probe');
  await sendBody(res, bytes, applies ? fault : undefined, ex.throttle, ex.draft);
}

function refuse(ex: Exchange, status: number, error: string): Promise<void> {
  return reply(ex, status, { error });
}

/** Handles one request to one CDN host. Never throws: every failure becomes a status. */
export async function handleCdnRequest(
  ctx: CdnContext,
  host: { index: number; hostname: string },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://cdn.invalid');
  } catch {
    url = new URL('http://cdn.invalid/');
  }
  const kind = classify(method, url);
  const draft: LogDraft = {
    seq: ctx.nextSeq(),
    host: host.index,
    hostname: host.hostname,
    method,
    kind,
    path: redactPath(req.url ?? '/'),
    status: 0,
    bytesIn: 0,
    bytesOut: 0,
    aborted: false,
    atMs: ctx.clock.now(),
  };
  if (typeof req.headers.range === 'string') draft.range = req.headers.range;
  // Logged (and counted as idle) only once both the handler and the connection are done, so a
  // test that awaits `whenIdle()` after a cut upload sees the kept bytes and the final entry.
  ctx.inFlight(1);
  responses.set(req.socket, res);
  let open = 2;
  const settle = (): void => {
    open -= 1;
    if (open > 0) return;
    draft.status = res.headersSent ? res.statusCode : 0;
    draft.aborted = !res.writableFinished;
    if (responses.get(req.socket) === res) responses.delete(req.socket);
    ctx.record({ ...draft });
    ctx.inFlight(-1);
  };
  res.on('close', settle);
  try {
    await serve(ctx, host, { req, res, url, draft, kind, method });
  } finally {
    settle();
  }
}

async function serve(
  ctx: CdnContext,
  host: { index: number; hostname: string },
  request: {
    req: IncomingMessage;
    res: ServerResponse;
    url: URL;
    draft: LogDraft;
    kind: RequestKind | 'other';
    method: string;
  },
): Promise<void> {
  const { req, res, url, draft, kind, method } = request;
  const fault = kind === 'other' ? undefined : ctx.faults.pick({ kind, method, host: host.index });
  if (fault !== undefined) draft.fault = fault.kind;
  const ex: Exchange = {
    req,
    res,
    url,
    fault,
    throttle: new Throttle(fault, () => ctx.globalPacer()),
    draft,
  };

  try {
    if (fault?.kind === 'reset' && fault.afterBytes === undefined) {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'stall' && fault.afterBytes === undefined) {
      await sleepUnlessClosed(fault.ms, res);
    }
    if (fault?.kind === 'redirect') {
      sendRedirect(res, fault);
      return;
    }
    if (fault?.kind === 'crlf-header') {
      sendCrlfHeaders(res, draft);
      return;
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSec !== undefined) headers['Retry-After'] = String(fault.retryAfterSec);
      // The request body is not read: close the connection rather than reuse it half-read.
      if (kind !== 'download') headers.Connection = 'close';
      await reply(ex, fault.status, { error: `injected ${fault.status}` }, headers);
      return;
    }
    if (kind === 'download') await download(ctx, ex);
    else if (kind === 'upload' || kind === 'probe') await upload(ctx, ex, kind);
    else if (method === 'POST') await refuse(ex, 404, 'unknown upload path');
    else await reply(ex, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD, POST' });
  } catch (error) {
    // A bug in the emulator must show up as a 500 in the test, not as a hung request.
    if (!res.headersSent) {
      await refuse(
        ex,
        500,
        `emulator error: ${error instanceof Error ? error.message : String(error)}`,
      );
    } else {
      res.destroy();
    }
  }
}

function uploadReply(media: StoredMedia, nowMs: number): Record<string, unknown> {
  return {
    url: `${PUBLIC_MEDIA_ORIGIN}${media.directPath}`,
    direct_path: media.directPath,
    ...(media.handle === undefined ? {} : { handle: media.handle }),
    ts: Math.floor(nowMs / 1000),
  };
}

async function upload(ctx: CdnContext, ex: Exchange, kind: 'upload' | 'probe'): Promise<void> {
  const { req, url } = ex;
  const matched = matchUploadPath(url.pathname);
  if (matched === undefined) return refuse(ex, 404, 'unknown upload path');
  const { route, pathToken } = matched;
  const query = url.searchParams;

  if (req.headers.origin !== WHATSAPP_WEB_ORIGIN) return refuse(ex, 403, 'bad origin');
  const auth = ctx.auth.check(query.get('auth'));
  if (auth !== 'ok') return refuse(ex, 401, auth === 'expired' ? 'auth expired' : 'unknown auth');
  const token = query.get('token');
  if (!TOKEN_PATTERN.test(pathToken)) return refuse(ex, 400, 'bad token');
  if (token !== pathToken) return refuse(ex, 400, 'token query does not match the path');

  const chunked = req.headers['transfer-encoding'] !== undefined;
  const declared = req.headers['content-length'];

  if (kind === 'probe') {
    if (chunked || (declared !== undefined && declared !== '0')) {
      return refuse(ex, 400, 'the resume probe must have an empty body');
    }
    if (query.has('file_offset')) return refuse(ex, 400, 'resume and file_offset together');
    const done = ctx.store.liveByToken(pathToken);
    if (done !== undefined && done.route === route) {
      return reply(ex, 200, { resume: 'complete', ...uploadReply(done, ctx.clock.now()) });
    }
    const partial = ctx.store.partial(pathToken);
    if (partial !== undefined && partial.route === route) {
      return reply(ex, 200, { resume: String(partial.length) });
    }
    return refuse(ex, 404, 'not found');
  }

  if (chunked) return refuse(ex, 411, 'chunked bodies are not accepted; send Content-Length');
  if (declared === undefined) return refuse(ex, 411, 'Content-Length required');
  if (req.headers['content-type'] !== 'application/octet-stream') {
    return refuse(ex, 415, 'Content-Type must be application/octet-stream');
  }
  const length = Number(declared);
  if (length === 0) return refuse(ex, 400, 'empty body');
  if (length > ctx.settings.maxUploadBytes) return refuse(ex, 413, 'too large');

  let kept: Buffer[] = [];
  let keptLength = 0;
  const offsetParam = query.get('file_offset');
  if (offsetParam !== null) {
    const partial = ctx.store.partial(pathToken);
    const offset = /^\d+$/.test(offsetParam) ? Number(offsetParam) : Number.NaN;
    if (partial === undefined || partial.route !== route || partial.length !== offset) {
      return refuse(ex, 400, 'file_offset does not match the bytes already received');
    }
    kept = [...partial.chunks];
    keptLength = partial.length;
  }

  const hash = createHash('sha256');
  for (const chunk of kept) hash.update(chunk);
  const watch = { req, overrun: false };
  overrunWatch.set(req.socket, watch);
  try {
    return await receiveUpload(ctx, ex, {
      route,
      pathToken,
      length,
      kept,
      keptLength,
      hash,
      watch,
    });
  } finally {
    if (overrunWatch.get(req.socket) === watch) overrunWatch.delete(req.socket);
  }
}

async function receiveUpload(
  ctx: CdnContext,
  ex: Exchange,
  upload: {
    route: UploadRoute;
    pathToken: string;
    length: number;
    kept: Buffer[];
    keptLength: number;
    hash: Hash;
    watch: { overrun: boolean };
  },
): Promise<void> {
  const { req } = ex;
  const { route, pathToken, length, kept, keptLength, hash, watch } = upload;
  const body = await receiveBody(
    req,
    ex.res,
    ex.fault,
    ex.throttle,
    ex.draft,
    length,
    ctx.settings.uploadIdleTimeoutMs,
    (chunk) => hash.update(chunk),
  );
  const chunks = [...kept, ...body.chunks];
  const total = keptLength + body.length;
  if (body.outcome === 'cut') {
    // The client's connection died mid-body: keep what arrived so the upload can resume.
    ctx.store.setPartial(pathToken, { route, chunks, length: total });
    return;
  }
  if (body.outcome === 'idle') {
    // The client is alive but sent less than it declared: a client bug, not a network cut, so
    // nothing is kept (a later file_offset must not build on bytes of a refused request).
    ctx.store.deletePartial(pathToken);
    return reply(
      ex,
      408,
      {
        error: `body shorter than Content-Length: ${body.length} of ${length} bytes arrived, then nothing for ${ctx.settings.uploadIdleTimeoutMs} ms`,
      },
      { Connection: 'close' },
    );
  }
  await afterPendingReads();
  if (watch.overrun) {
    ctx.store.deletePartial(pathToken);
    return reply(ex, 400, { error: 'body longer than Content-Length' }, { Connection: 'close' });
  }
  ctx.store.deletePartial(pathToken);
  const sha256 = hash.digest();
  if (sha256.toString('base64url') !== pathToken) {
    return refuse(ex, 400, 'body does not hash to the token');
  }
  if (route.encrypted && (total < 26 || (total - 10) % 16 !== 0)) {
    return refuse(ex, 400, 'not an encrypted media blob (length must be 16k + 10, at least 26)');
  }
  const media = ctx.store.put(Buffer.concat(chunks, total), route, sha256);
  return reply(ex, 200, {
    ...uploadReply(media, ctx.clock.now()),
    ...serverThumbnailReply(ctx.store, route, ex.url.searchParams),
  });
}

type RangeResult =
  | { kind: 'full' }
  | { kind: 'range'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/**
 * One `bytes=` range. Anything else (several ranges, bad syntax) is ignored and the whole body
 * is sent, as RFC 9110 allows.
 */
function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return { kind: 'full' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'range', start, end };
}

async function download(ctx: CdnContext, ex: Exchange): Promise<void> {
  const { req, res, url } = ex;
  const media = ctx.store.byPathname(url.pathname);
  if (media === undefined) return refuse(ex, 404, 'not found');
  const query = url.searchParams;
  if (!verifySignedQuery(ctx.secret, media.pathname, query).ok) {
    return refuse(ex, 403, 'bad URL hash');
  }
  const hash = query.get('hash');
  if (hash !== null && hash !== media.token)
    return refuse(ex, 404, 'hash does not match the media');
  if (ctx.store.isExpired(media)) return refuse(ex, ctx.settings.expiredStatus, 'media expired');

  const size = media.bytes.length;
  const range = parseRange(
    typeof req.headers.range === 'string' ? req.headers.range : undefined,
    size,
  );
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', media.route.encrypted ? 'application/octet-stream' : 'image/jpeg');
  res.setHeader('Cache-Control', 'max-age=1209600');
  res.setHeader('ETag', `"${media.token}"`);
  if (range.kind === 'unsatisfiable') {
    return reply(
      ex,
      416,
      { error: 'range not satisfiable' },
      { 'Content-Range': `bytes */${size}` },
    );
  }
  let body: Uint8Array = media.bytes;
  if (range.kind === 'range') {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    body = media.bytes.subarray(range.start, range.end + 1);
  } else {
    res.statusCode = 200;
  }
  res.setHeader('Content-Length', body.length);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (isHostileBodyFault(ex.fault)) {
    await sendHostileBody(res, body, ex.fault, ex.draft);
    return;
  }
  await sendBody(res, body, ex.fault, ex.throttle, ex.draft);
}
