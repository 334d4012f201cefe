// Plaintext bytes [start, end) without downloading everything: with a streaming sidecar only the
// sidecar windows covering the range are fetched (HTTP Range) and each is authenticated before
// it is decrypted. Without a sidecar nothing could authenticate a part, so the whole blob is
// streamed and verified and only the range is kept (constant memory besides the range).

import { ciphertextRangeFor, decryptRange, isMediaIntegrityError } from '@wa-media/crypto';
import { CDN_HEADERS } from '@wa-media/protocol';
import { assertOk, type HttpClient, readBytes } from '@wa-media/transport';
import {
  InvalidArgumentError,
  MediaDownloadError,
  safeUrl,
  type TransferAttempt,
} from '../errors.js';
import type { AutoReuploadOptions } from '../reupload/media-reupload.js';
import { type TransferControl, TransferImpl } from '../transfers/transfer.js';
import type { DownloadSink, VerifiedDownload } from './download-engine.js';
import type { DownloadParams } from './downloadable.js';

/** Options of `client.downloadRange`. */
export interface RangeDownloadOptions {
  /** Aborts the download. */
  signal?: AbortSignal;
  /** Automatic media reupload for the full-download fallback (see `DownloadOptions.reupload`). */
  reupload?: AutoReuploadOptions;
}

/** What the range download needs from the client. */
export interface RangeDownloadContext {
  readonly http: HttpClient;
  /** Runs the full verified download into `sink`. */
  download(sink: DownloadSink, control: TransferControl): Promise<VerifiedDownload>;
  /** The URLs to try, in order. */
  urls(): Promise<string[]>;
  /** Blob length from the message's fileLength, when known. */
  readonly blobLength: number | undefined;
}

/**
 * @throws {InvalidArgumentError} for a malformed range.
 * @throws {MediaDownloadError} when no verified bytes could be obtained.
 */
export async function downloadRange(
  context: RangeDownloadContext,
  params: DownloadParams,
  start: number,
  end: number,
  options: RangeDownloadOptions,
): Promise<Uint8Array> {
  if (!Number.isSafeInteger(start) || start < 0)
    throw new InvalidArgumentError('start', 'must be a non-negative integer');
  if (!Number.isSafeInteger(end) || end <= start)
    throw new InvalidArgumentError('end', 'must be an integer greater than start');
  const { streamingSidecar, mediaKey, blobLength } =
    params.encrypted === false ? {} : { ...params, blobLength: context.blobLength };
  if (streamingSidecar !== undefined && mediaKey !== undefined && blobLength !== undefined) {
    const ranged = await sidecarRange(context, params, start, end, blobLength, options.signal);
    if (ranged !== undefined) return ranged;
  }
  return fullRange(context, start, end, options.signal);
}

async function sidecarRange(
  context: RangeDownloadContext,
  params: DownloadParams,
  start: number,
  end: number,
  blobLength: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  const plainLength = blobLength - 10; // upper bound (padding); decryptRange clips to the file
  if (start >= plainLength)
    throw new InvalidArgumentError('start', 'is beyond the end of the media');
  const wanted = ciphertextRangeFor(start, end, { blobLength, sidecar: true });
  const attempts: TransferAttempt[] = [];
  for (const url of await context.urls()) {
    try {
      const response = await context.http.request({
        url,
        headers: { ...CDN_HEADERS },
        range: wanted,
        ...(signal === undefined ? {} : { signal }),
      });
      await assertOk(response);
      if (
        response.range === null ||
        response.range.start !== wanted.start ||
        response.range.total !== blobLength
      ) {
        // Range ignored, or fileLength was wrong: the full verified download still works.
        await response.cancel();
        return undefined;
      }
      const data = await readBytes(response, { maxBytes: wanted.end - wanted.start });
      return decryptRange(data, {
        type: params.type,
        mediaKey: params.mediaKey as Uint8Array,
        blobLength,
        start,
        end: Math.min(end, plainLength),
        offset: wanted.start,
        sidecar: params.streamingSidecar as Uint8Array,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      attempts.push({ url: safeUrl(url), error });
      if (!isMediaIntegrityError(error)) continue;
    }
  }
  throw new MediaDownloadError('all-hosts-failed', 'No host gave an authenticated range', {
    attempts,
    cause: attempts.at(-1)?.error,
  });
}

async function fullRange(
  context: RangeDownloadContext,
  start: number,
  end: number,
  signal: AbortSignal | undefined,
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
  const transfer = new TransferImpl<VerifiedDownload>(
    `range-${Date.now().toString(36)}`,
    'download',
    signal,
  );
  await transfer.start((control) => context.download(sink, control));
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
