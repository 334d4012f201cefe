// The verified, streaming, failing-over download. Every download form (bytes, writer, stream,
// file) runs this with a different sink. Bytes reach the sink as they are decrypted, but the
// result only counts once `MediaDecryptor.finalize()` passed every check; a failure resets the
// sink (rewind + truncate) so nothing unverified is left as a result.
//
// Layers: the CDN driver (internal/cdn-driver.ts) runs the host / status loop; the download's
// side of it is download-operation.ts, around a `BlobFetcher` that does one try of one URL:
// streaming-fetcher.ts (the whole blob, resumable with Range) or the sidecar range fetcher of
// range-download.ts. A sink error is never a CDN failure: it ends the download.

import { DEFAULT_CDN_HOSTS } from '@wa-media/protocol';
import { MediaDownloadError } from '../errors.js';
import { CdnDriver } from '../internal/cdn-driver.js';
import type { TransferControl } from '../transfers/transfer.js';
import { DownloadOperation } from './download-operation.js';
import {
  type BlobFetcher,
  type DownloadBudget,
  type DownloadEngineContext,
  type DownloadSink,
  SinkFailure,
  type VerifiedDownload,
} from './download-types.js';
import type { DownloadParams } from './downloadable.js';
import { StreamingFetcher } from './streaming-fetcher.js';

export type {
  BlobFetcher,
  DownloadBudget,
  DownloadEngineContext,
  DownloadSink,
  VerifiedDownload,
} from './download-types.js';

/**
 * Runs one download to completion (or final failure), honouring pause/resume/cancel.
 * A sink error fails the download at once with `writer-failed` (the sink is reset): the bytes
 * the writer lost cannot be asked for again, and another host would not help.
 * @throws {MediaDownloadError} when no host gave verified bytes, or the sink failed.
 * @throws {TransferCancelledError} when cancelled.
 */
export async function runDownload(
  context: DownloadEngineContext,
  params: DownloadParams,
  sink: DownloadSink,
  control: TransferControl,
  budget?: DownloadBudget,
): Promise<VerifiedDownload> {
  const fetcher = new StreamingFetcher(context, params, sink, control);
  const spent = budget ?? downloadBudget(params);
  try {
    const result = await runCdnLoop(context, params, control, fetcher, spent);
    if (!spent.reuploaded || spent.directPath === params.directPath) return result;
    const { directPath } = spent;
    return {
      ...result,
      updatedMedia: { directPath, url: `https://${DEFAULT_CDN_HOSTS[0]}${directPath}` },
    };
  } catch (error) {
    // "After a failure": nothing unverified stays in a rewindable sink.
    await Promise.resolve()
      .then(() => sink.reset())
      .catch(() => {});
    throw error;
  }
}

/**
 * The CDN driver around any {@link BlobFetcher}: failover, same-host retries, at most one
 * media_conn refresh per operation (shared by 401/403 and 404/410), a stale `staticUrl`
 * skipped for the direct path, and automatic media reupload.
 * @throws {MediaDownloadError} `auth-failed`, `media-not-found`, `reupload-*`,
 *   `all-hosts-failed`, `not-rewindable`, `writer-failed`.
 * @throws {TransferCancelledError} when cancelled.
 */
export async function runCdnLoop<R>(
  context: DownloadEngineContext,
  params: DownloadParams,
  control: TransferControl,
  fetcher: BlobFetcher<R>,
  budget: DownloadBudget = downloadBudget(params),
): Promise<R> {
  const operation = new DownloadOperation(context, params, fetcher, budget);
  const driver = new CdnDriver(context, control, operation, budget);
  try {
    return await driver.run();
  } catch (error) {
    // From a write, or a rewind (seek / truncate) before a restart: the writer's fault.
    if (error instanceof SinkFailure) {
      throw new MediaDownloadError('writer-failed', 'The writer failed; the download stopped', {
        attempts: driver.attempts,
        cause: error.cause,
      });
    }
    throw error;
  }
}

/** A fresh {@link DownloadBudget} for one operation. */
export function downloadBudget(params: DownloadParams): DownloadBudget {
  return { refreshUsed: false, reuploaded: false, directPath: params.directPath };
}
