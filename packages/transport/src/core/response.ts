// The `HttpResponse` handed to the caller: a view over one hop's answer and its body pump. It
// hands the body to one reader only (`body` or `chunks()`), made lazily so that choosing
// `chunks()` costs no stream.

import type { ContentRange, HttpResponse } from '../types.js';
import {
  BodyClaim,
  type DownloadPump,
  emptyChunks,
  pumpToIterator,
  pumpToStream,
} from './download-body.js';

/** What the response shows of its hop. */
export interface ResponseParts {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly method: string;
  readonly url: URL;
  readonly redirected: boolean;
  readonly contentLength: number | null;
  readonly range: ContentRange | null;
  /** The body, or `null` for a body-less answer (already released). */
  readonly pump: DownloadPump | null;
  /** Fails the transfer under a reader that holds the body (see `cancel`). */
  readonly abortReading: (reason: unknown) => void;
}

/** Builds the caller's response over `parts`. */
export function createHttpResponse(parts: ResponseParts): HttpResponse {
  const { pump } = parts;
  const claim = new BodyClaim();
  let stream: ReadableStream<Uint8Array> | null = null;
  let iterating = false;
  let cancelled = false;
  return {
    status: parts.status,
    statusText: parts.statusText,
    ok: parts.status >= 200 && parts.status < 300,
    headers: parts.headers,
    method: parts.method,
    url: parts.url.href,
    redirected: parts.redirected,
    get body(): ReadableStream<Uint8Array> | null {
      if (!pump) return null;
      claim.claimBody();
      stream ??= pumpToStream(pump);
      return stream;
    },
    chunks: (): AsyncIterableIterator<Uint8Array> => {
      if (!pump) return emptyChunks();
      claim.claimChunks();
      iterating = true;
      return pumpToIterator(pump);
    },
    contentLength: parts.contentLength,
    range: parts.range,
    cancel: async (reason?: unknown) => {
      if (cancelled || !pump) return;
      cancelled = true;
      if (pump.settled) return;
      if (iterating || stream?.locked) {
        // A reader holds it: abort the transfer so that reader gets an error and the
        // connection is dropped.
        parts.abortReading(reason);
        return;
      }
      if (stream) await stream.cancel(reason).catch(() => undefined);
      else await pump.cancel(reason);
    },
  };
}
