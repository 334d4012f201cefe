// Plaintext bytes [start, end) without downloading everything: with a streaming sidecar only the
// sidecar windows covering the range are fetched (HTTP Range) and each is authenticated before
// it is decrypted. Without a sidecar nothing could authenticate a part, so the whole blob is
// streamed and verified and only the range is kept (constant memory besides the range).

import { ciphertextRangeFor, decryptRange } from '@wa-media/crypto';
import { CDN_HEADERS } from '@wa-media/protocol';
import { assertOk, type HttpClient, readBytes } from '@wa-media/transport';
import { ClientArgumentError } from '../errors.js';
import type { AutoReuploadOptions } from '../reupload/media-reupload.js';
import type { TransferControl } from '../transfers/transfer.js';
import { downloadBudget } from './download-engine.js';
import type {
  BlobFetcher,
  DownloadBudget,
  DownloadSink,
  VerifiedDownload,
} from './download-types.js';
import type { DownloadParams } from './downloadable.js';

/** Options of `client.downloadRange`. */
export interface RangeDownloadOptions {
  /** Transfer id (for `client.transfers`). @default generated */
  id?: string;
  /** Aborting cancels the transfer. */
  signal?: AbortSignal;
  /** Progress in blob bytes received (full-blob fallback only). */
  onProgress?: (progress: { bytesDone: number; totalBytes: number | null }) => void;
  /** Automatic media reupload on 404/410 (see `DownloadOptions.reupload`). */
  reupload?: AutoReuploadOptions;
}

/** What the range download needs from the client. */
export interface RangeDownloadContext {
  readonly http: HttpClient;
  /** Runs the full verified download into `sink`. */
  download(
    sink: DownloadSink,
    control: TransferControl,
    budget: DownloadBudget,
  ): Promise<VerifiedDownload>;
  /** Runs the shared host / status loop (refresh, retries, reupload) around `fetcher`. */
  fetchLoop<R>(
    fetcher: BlobFetcher<R>,
    control: TransferControl,
    budget: DownloadBudget,
  ): Promise<R>;
  /** Blob length from the message's fileLength, when known. */
  readonly blobLength: number | undefined;
}

/** Checks `[start, end)` before a transfer is created. */
export function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || start < 0)
    throw new ClientArgumentError('start', 'must be a non-negative integer');
  if (!Number.isSafeInteger(end) || end <= start)
    throw new ClientArgumentError('end', 'must be an integer greater than start');
}

/**
 * Runs inside the range download's transfer. Both phases (sidecar windows, then the full blob
 * if the CDN ignored `Range`) share one budget: one media_conn refresh, one reupload.
 * @throws {ClientArgumentError} for a malformed range.
 * @throws {MediaDownloadError} when no verified bytes could be obtained (codes of the main
 *   download: `auth-failed`, `media-not-found`, `reupload-*`, `all-hosts-failed`).
 * @throws {TransferCancelledError} when `options.signal` aborts.
 */
export async function downloadRange(
  context: RangeDownloadContext,
  params: DownloadParams,
  start: number,
  end: number,
  control: TransferControl,
): Promise<Uint8Array> {
  checkRange(start, end);
  const budget = downloadBudget(params);
  const { streamingSidecar, mediaKey, blobLength } =
    params.encrypted === false ? {} : { ...params, blobLength: context.blobLength };
  if (streamingSidecar !== undefined && mediaKey !== undefined && blobLength !== undefined) {
    const plainLength = blobLength - 10; // upper bound (padding); decryptRange clips to the file
    if (start >= plainLength)
      throw new ClientArgumentError('start', 'is beyond the end of the media');
    const fetcher = new SidecarRangeFetcher(context.http, {
      type: params.type,
      mediaKey,
      sidecar: streamingSidecar,
      blobLength,
      start,
      end: Math.min(end, plainLength),
    });
    const ranged = await context.fetchLoop(fetcher, control, budget);
    if (ranged !== RANGE_IGNORED) return ranged;
  }
  return fullRange(context, start, end, control, budget);
}

/** The server ignored the Range (or fileLength was wrong): the full verified download still works. */
const RANGE_IGNORED: unique symbol = Symbol('range-ignored');

/** Fetches only the sidecar windows covering [start, end) and authenticates them. */
class SidecarRangeFetcher implements BlobFetcher<Uint8Array | typeof RANGE_IGNORED> {
  readonly #http: HttpClient;
  readonly #wanted: { start: number; end: number };
  readonly #range: {
    type: DownloadParams['type'];
    mediaKey: Uint8Array;
    sidecar: Uint8Array;
    blobLength: number;
    start: number;
    end: number;
  };
  readonly mixedSources = false; // each try is whole: nothing is carried between URLs

  constructor(
    http: HttpClient,
    range: {
      type: DownloadParams['type'];
      mediaKey: Uint8Array;
      sidecar: Uint8Array;
      blobLength: number;
      start: number;
      end: number;
    },
  ) {
    this.#http = http;
    this.#range = range;
    this.#wanted = ciphertextRangeFor(range.start, range.end, {
      blobLength: range.blobLength,
      sidecar: true,
    });
  }

  async fetch(url: string, signal: AbortSignal): Promise<Uint8Array | typeof RANGE_IGNORED> {
    const wanted = this.#wanted;
    const { blobLength } = this.#range;
    const response = await this.#http.request({
      url,
      headers: { ...CDN_HEADERS },
      range: wanted,
      signal,
    });
    await assertOk(response);
    if (
      response.range === null ||
      response.range.start !== wanted.start ||
      response.range.total !== blobLength
    ) {
      await response.cancel().catch(() => {});
      return RANGE_IGNORED;
    }
    const data = await readBytes(response, { maxBytes: wanted.end - wanted.start });
    return decryptRange(data, { ...this.#range, offset: wanted.start });
  }

  async restart(): Promise<void> {}
}

async function fullRange(
  context: RangeDownloadContext,
  start: number,
  end: number,
  control: TransferControl,
  budget: DownloadBudget,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let position = 0;
  const sink: DownloadSink = {
    write(chunk) {
      const chunkEnd = position + chunk.length;
      if (chunkEnd > start && position < end) {
        parts.push(
          chunk.slice(Math.max(0, start - position), Math.min(chunk.length, end - position)),
        );
      }
      position = chunkEnd;
    },
    reset() {
      parts.length = 0;
      position = 0;
    },
  };
  await context.download(sink, control, budget);
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
