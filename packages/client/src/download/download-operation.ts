// A download as the CDN driver sees it: its URLs (the message's staticUrl as a best-effort hint,
// then the direct path on every host), what a 404/410 means once the refresh is spent (one
// automatic media reupload, else media-not-found), and an integrity failure's restart. The
// host loop itself (retries, refresh, attempts) is the driver's.

import { mediaTypeInfo } from '@wa-media/crypto';
import { buildDownloadUrls, DEFAULT_CDN_HOSTS } from '@wa-media/protocol';
import {
  isMediaDownloadError,
  MediaDownloadError,
  type MediaDownloadErrorCode,
  type TransferAttempt,
} from '../errors.js';
import type {
  CdnFailureCode,
  CdnNotFound,
  CdnOperation,
  CdnPass,
  CdnTarget,
  LowSpeedRule,
} from '../internal/cdn-driver.js';
import type { MediaReuploadResult } from '../reupload/reupload-result.js';
import {
  type BlobFetcher,
  type DownloadBudget,
  type DownloadEngineContext,
  SinkFailure,
} from './download-types.js';
import type { DownloadParams } from './downloadable.js';

/** The download's side of the driver, around one {@link BlobFetcher}. */
export class DownloadOperation<R> implements CdnOperation<R, CdnTarget> {
  readonly allHostsFailed = 'No host gave the media';
  readonly fallbackHosts: readonly string[];
  readonly attemptDeadlineMs: number | undefined;
  readonly lowSpeed: LowSpeedRule | undefined;
  readonly #context: DownloadEngineContext;
  readonly #params: DownloadParams;
  readonly #fetcher: BlobFetcher<R>;
  readonly #budget: DownloadBudget;
  #refusedLogged = false;

  constructor(
    context: DownloadEngineContext,
    params: DownloadParams,
    fetcher: BlobFetcher<R>,
    budget: DownloadBudget,
  ) {
    this.#context = context;
    this.#params = params;
    this.#fetcher = fetcher;
    this.#budget = budget;
    // Downloads need no auth: without a media connection the default hosts serve.
    this.fallbackHosts = context.defaultHosts ?? DEFAULT_CDN_HOSTS;
    this.attemptDeadlineMs = context.attemptDeadlineMs;
    this.lowSpeed = fetcher.bytesReceived === undefined ? undefined : context.lowSpeed;
  }

  targets(pass: CdnPass): CdnTarget[] {
    // The staticUrl points at the original upload: after a reupload only the new path counts.
    const staticUrl =
      this.#budget.directPath === this.#params.directPath
        ? this.#allowedStaticUrl(this.#params.staticUrl)
        : undefined;
    const urls = buildDownloadUrls({
      hosts: pass.hosts,
      directPath: this.#budget.directPath,
      fileEncSha256: this.#params.fileEncSha256,
      mmsType: mediaTypeInfo(this.#params.type).mmsType,
      staticUrl,
      scheme: this.#context.scheme,
    });
    // A stale staticUrl says nothing about the direct path: a hint, not a host.
    return urls.map((url) => (url === staticUrl ? { url, bestEffort: true } : { url }));
  }

  /** The sender chose the staticUrl: outside the host rule it is ignored (logged once). */
  #allowedStaticUrl(url: string | undefined): string | undefined {
    if (url === undefined || this.#context.hostRule.allows(url)) return url;
    if (!this.#refusedLogged) {
      this.#refusedLogged = true;
      this.#context.onRefusedUrl(url);
    }
    return undefined;
  }

  bytesReceived(): number {
    return this.#fetcher.bytesReceived?.() ?? 0;
  }

  tryOnce(target: CdnTarget, _pass: CdnPass, signal: AbortSignal): Promise<R> {
    return this.#fetcher.fetch(target.url, signal);
  }

  /** A sink failure or a sink that cannot rewind: no host can help. */
  stops(error: unknown): 'as-is' | undefined {
    if (error instanceof SinkFailure) return 'as-is';
    // Too large: the bound comes from the message, another host cannot make the blob fit.
    if (
      isMediaDownloadError(error) &&
      (error.code === 'not-rewindable' || error.code === 'too-large')
    ) {
      return 'as-is';
    }
    return undefined;
  }

  async onIntegrity(): Promise<'again-once' | 'next-host'> {
    const mixed = this.#fetcher.mixedSources;
    await this.#fetcher.restart();
    // The bad bytes may come from another host we resumed from: this one once more, whole.
    return mixed ? 'again-once' : 'next-host';
  }

  /** Gone even after the refresh: the one automatic media reupload, when configured. */
  async onNotFound({ status, error, attempts, control }: CdnNotFound): Promise<'new-pass'> {
    const reupload = this.#context.reupload;
    if (this.#budget.reuploaded || reupload === undefined) {
      throw this.#failWith(
        status === 403 ? 'media-expired' : 'media-not-found',
        `The media is gone from the CDN (HTTP ${status})`,
        attempts,
        error,
      );
    }
    this.#budget.reuploaded = true;
    let result: MediaReuploadResult;
    try {
      result = await reupload(control.signal);
    } catch (reuploadError) {
      if (control.interrupted) {
        this.#budget.reuploaded = false; // paused while waiting for the phone: ask again on resume
        return 'new-pass';
      }
      attempts.push({ url: 'media-reupload', error: reuploadError });
      throw this.#failWith(
        status === 403 ? 'media-expired' : 'media-not-found',
        'The media is gone from the CDN and media reupload failed',
        attempts,
        reuploadError,
      );
    }
    if (result.status !== 'success') {
      throw this.#failWith(
        `reupload-${result.status}`,
        `The media is gone from the CDN (HTTP ${status}) and the sender's phone answered ${result.status}`,
        attempts,
        error,
        result,
      );
    }
    this.#budget.directPath = result.directPath;
    await this.#fetcher.restart();
    return 'new-pass';
  }

  fail(
    code: CdnFailureCode,
    message: string,
    details: { attempts: readonly TransferAttempt[]; cause: unknown },
  ): MediaDownloadError {
    return this.#failWith(code, message, details.attempts, details.cause);
  }

  #failWith(
    code: MediaDownloadErrorCode,
    message: string,
    attempts: readonly TransferAttempt[],
    cause: unknown,
    reupload?: MediaReuploadResult,
  ): MediaDownloadError {
    return new MediaDownloadError(code, message, {
      attempts,
      cause,
      ...(reupload === undefined ? {} : { reupload }),
    });
  }
}
