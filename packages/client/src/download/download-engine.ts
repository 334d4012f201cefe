// The verified, streaming, failing-over download loop. Every download form (bytes, writer,
// stream, file) runs this with a different sink. Bytes reach the sink as they are decrypted,
// but the result only counts once `MediaDecryptor.finalize()` passed every check; a failure
// resets the sink (rewind + truncate) so nothing unverified is left as a result.
//
// Two layers: `CdnLoop` is the host / status loop of docs/protocol.md §4 (which URL next, the one
// media_conn refresh, retries, automatic reupload) around a `BlobFetcher` that does one try of
// one URL: `StreamingFetcher` here (the whole blob, resumable with Range) or the sidecar range
// fetcher of range-download.ts. A sink error is never a CDN failure: it ends the download.

import {
  type DecryptedMediaInfo,
  isHashWorkerError,
  MediaDecryptor,
  mediaTypeInfo,
} from '@wa-media/crypto';
import type { MediaConn } from '@wa-media/protocol';
import { buildDownloadUrls, CDN_HEADERS, DEFAULT_CDN_HOSTS } from '@wa-media/protocol';
import {
  assertOk,
  type HttpClient,
  type HttpResponse,
  isHttpStatusError,
  isRangeMismatchError,
} from '@wa-media/transport';
import {
  isMediaDownloadError,
  MediaDownloadError,
  type MediaDownloadErrorCode,
  safeUrl,
  type TransferAttempt,
} from '../errors.js';
import {
  classifyCdnFailure,
  type ResolvedRetryPolicy,
  retryDelay,
  sleep,
} from '../internal/cdn-policy.js';
import { hashInWorkerFor } from '../internal/worker-hashing.js';
import type { MediaConnCache } from '../media-conn/media-conn-cache.js';
import type { MediaReuploadResult } from '../reupload/media-reupload.js';
import type { TransferControl } from '../transfers/transfer.js';
import type { DownloadParams } from './downloadable.js';

/** Where decrypted bytes go. */
export interface DownloadSink {
  /** Unverified plaintext, in order. */
  write(chunk: Uint8Array): void | Promise<void>;
  /**
   * Forget everything written so far (the download restarts from byte 0).
   * @throws {MediaDownloadError} `not-rewindable` when the sink cannot.
   */
  reset(): void | Promise<void>;
}

/** What the loop needs from the client. */
export interface DownloadEngineContext {
  readonly http: HttpClient;
  readonly mediaConn: MediaConnCache;
  readonly hasSignaling: boolean;
  readonly scheme: 'https' | 'http';
  readonly defaultHosts: readonly string[] | undefined;
  readonly retry: ResolvedRetryPolicy;
  /** Asks the sender's phone to re-upload (automatic media reupload), when configured. */
  readonly reupload: ((signal: AbortSignal) => Promise<MediaReuploadResult>) | undefined;
}

/** What a finished download proved. */
export type VerifiedDownload = DecryptedMediaInfo;

/**
 * How one URL is fetched: the whole verified stream ({@link runDownload}) or only the sidecar
 * windows of a range (range-download.ts). The host / status loop is the same for both.
 */
export interface BlobFetcher<R> {
  /** One try of one URL; throws what the request or the verification threw. */
  fetch(url: string, signal: AbortSignal): Promise<R>;
  /** Forget every byte received: the next try starts from byte 0. */
  restart(): Promise<void>;
  /** True when the bytes received so far come from more than one URL (a resume elsewhere). */
  readonly mixedSources: boolean;
}

/** A sink (writer, stream) error: never the CDN's fault, so never a reason to try another host. */
class SinkFailure extends Error {
  override name: string = 'SinkFailure';
}

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
  budget?: CdnBudget,
): Promise<VerifiedDownload> {
  const fetcher = new StreamingFetcher(context, params, sink, control);
  try {
    return await runCdnLoop(context, params, control, fetcher, budget);
  } catch (error) {
    // "After a failure": nothing unverified stays in a rewindable sink.
    await Promise.resolve()
      .then(() => sink.reset())
      .catch(() => {});
    throw error;
  }
}

/**
 * The host / status loop of docs/protocol.md §4 around any {@link BlobFetcher}: failover, same-host
 * retries, at most one media_conn refresh per operation (shared by 401/403 and 404/410), a
 * stale `staticUrl` skipped for the direct path, and automatic media reupload.
 * @throws {MediaDownloadError} `auth-failed`, `media-not-found`, `reupload-*`,
 *   `all-hosts-failed`, `not-rewindable`, `writer-failed`.
 * @throws {TransferCancelledError} when cancelled.
 */
export function runCdnLoop<R>(
  context: DownloadEngineContext,
  params: DownloadParams,
  control: TransferControl,
  fetcher: BlobFetcher<R>,
  budget?: CdnBudget,
): Promise<R> {
  return new CdnLoop(context, params, control, fetcher, budget ?? cdnBudget(params)).run();
}

/**
 * What one operation may spend, shared when it runs the loop more than once (a range download
 * that falls back to the full blob): the one media_conn refresh, the one media reupload, and
 * the direct path it gave.
 */
export interface CdnBudget {
  refreshUsed: boolean;
  reuploaded: boolean;
  directPath: string;
}

/** A fresh {@link CdnBudget} for one operation. */
export function cdnBudget(params: DownloadParams): CdnBudget {
  return { refreshUsed: false, reuploaded: false, directPath: params.directPath };
}

class CdnLoop<R> {
  readonly #context: DownloadEngineContext;
  readonly #params: DownloadParams;
  readonly #control: TransferControl;
  readonly #fetcher: BlobFetcher<R>;
  readonly #attempts: TransferAttempt[] = [];
  /** The one media_conn refresh of this operation (docs/protocol.md §4), and the rest. */
  readonly #budget: CdnBudget;
  get #directPath(): string {
    return this.#budget.directPath;
  }
  set #directPath(path: string) {
    this.#budget.directPath = path;
  }
  get #refreshUsed(): boolean {
    return this.#budget.refreshUsed;
  }
  set #refreshUsed(used: boolean) {
    this.#budget.refreshUsed = used;
  }
  get #reuploaded(): boolean {
    return this.#budget.reuploaded;
  }
  set #reuploaded(done: boolean) {
    this.#budget.reuploaded = done;
  }
  #staticUrlFailed = false;
  /** The connection the current hosts come from, and the hosts; undefined = ask the cache. */
  #conn: MediaConn | undefined;
  #hosts: readonly string[] | undefined;

  constructor(
    context: DownloadEngineContext,
    params: DownloadParams,
    control: TransferControl,
    fetcher: BlobFetcher<R>,
    budget: CdnBudget,
  ) {
    this.#context = context;
    this.#params = params;
    this.#control = control;
    this.#fetcher = fetcher;
    this.#budget = budget;
  }

  async run(): Promise<R> {
    try {
      return await this.#run();
    } catch (error) {
      // From a write, or a rewind (seek / truncate) before a restart: the writer's fault.
      if (error instanceof SinkFailure) {
        throw this.#fail('writer-failed', 'The writer failed; the download stopped', error.cause);
      }
      throw error;
    }
  }

  async #run(): Promise<R> {
    passes: for (;;) {
      await this.#control.checkpoint();
      const { urls, staticUrl } = await this.#urls();
      for (let index = 0; index < urls.length; index++) {
        const url = urls[index] as string;
        let retries = 0;
        let integrityRetried = false;
        for (;;) {
          await this.#control.checkpoint();
          try {
            return await this.#fetcher.fetch(url, this.#control.signal);
          } catch (error) {
            if (this.#control.interrupted) continue; // paused: checkpoint waits, then resume here
            if (error instanceof SinkFailure) throw error;
            if (isMediaDownloadError(error) && error.code === 'not-rewindable') throw error;
            const verdict = classifyCdnFailure(error);
            this.#attempts.push({
              url: safeUrl(url),
              error,
              ...('status' in verdict && verdict.status !== undefined
                ? { status: verdict.status }
                : {}),
            });
            if (url === staticUrl) {
              // A stale staticUrl says nothing about the direct path: go on to the hosts.
              this.#staticUrlFailed = true;
              if (verdict.action === 'integrity') await this.#fetcher.restart();
              break;
            }
            if (verdict.action === 'refresh-auth') {
              if (!this.#refresh()) {
                throw this.#fail(
                  'auth-failed',
                  `CDN refused the credentials (HTTP ${verdict.status})`,
                  error,
                );
              }
              continue passes;
            }
            if (verdict.action === 'not-found') {
              if (this.#refresh()) continue passes;
              if (!this.#reuploaded && this.#context.reupload !== undefined) {
                this.#reuploaded = true;
                let result: MediaReuploadResult;
                try {
                  result = await this.#context.reupload(this.#control.signal);
                } catch (reuploadError) {
                  if (this.#control.interrupted) {
                    this.#reuploaded = false; // paused while waiting for the phone: ask again on resume
                    continue passes;
                  }
                  this.#attempts.push({ url: 'media-reupload', error: reuploadError });
                  throw this.#fail(
                    'media-not-found',
                    'The media is gone from the CDN and media reupload failed',
                    reuploadError,
                  );
                }
                if (result.status !== 'success') {
                  throw this.#fail(
                    `reupload-${result.status}`,
                    `The media is gone from the CDN (HTTP ${verdict.status}) and the sender's phone answered ${result.status}`,
                    error,
                    result,
                  );
                }
                this.#directPath = result.directPath;
                await this.#fetcher.restart();
                continue passes;
              }
              throw this.#fail(
                'media-not-found',
                `The media is gone from the CDN (HTTP ${verdict.status})`,
                error,
              );
            }
            if (verdict.action === 'retry-same-host') {
              retries += 1;
              const delay = retryDelay(this.#context.retry, retries, verdict.delayMs);
              if (delay !== null) {
                try {
                  await sleep(delay, this.#control.signal);
                } catch {
                  // paused or cancelled while waiting: handled by checkpoint
                }
                continue;
              }
              break; // next host, keeping the bytes received (verified at the end)
            }
            if (verdict.action === 'integrity') {
              const mixed = this.#fetcher.mixedSources;
              await this.#fetcher.restart();
              if (mixed && !integrityRetried) {
                // The bad bytes may come from another host we resumed from: this one once more, whole.
                integrityRetried = true;
                continue;
              }
              break;
            }
            break; // next-host
          }
        }
      }
      throw this.#fail(
        'all-hosts-failed',
        `No host gave the media (${this.#attempts.length} tries)`,
        this.#attempts.at(-1)?.error,
      );
    }
  }

  /**
   * Spends the operation's one refresh: drops the connection that failed (only if it is still
   * the cached one, so concurrent operations do not refresh each other's) and asks again.
   * @returns false when the refresh was already used or there is no signalling.
   */
  #refresh(): boolean {
    if (this.#refreshUsed || !this.#context.hasSignaling) return false;
    this.#refreshUsed = true;
    if (this.#conn !== undefined) this.#context.mediaConn.invalidate(this.#conn);
    this.#conn = undefined;
    this.#hosts = undefined;
    return true;
  }

  async #urls(): Promise<{ urls: string[]; staticUrl: string | undefined }> {
    const context = this.#context;
    let hosts = this.#hosts;
    if (hosts === undefined) {
      if (context.hasSignaling) {
        for (;;) {
          await this.#control.checkpoint();
          try {
            const conn = await context.mediaConn.get({ signal: this.#control.signal });
            this.#conn = conn;
            hosts = context.mediaConn.hostOrder(conn);
            break;
          } catch (error) {
            if (this.#control.interrupted) continue;
            // Downloads need no auth: without a media connection use the default hosts (§4);
            // the failure stays visible in the final error's attempts.
            this.#attempts.push({ url: 'media_conn', error });
            hosts = context.defaultHosts ?? DEFAULT_CDN_HOSTS;
            break;
          }
        }
      } else {
        hosts = context.defaultHosts ?? DEFAULT_CDN_HOSTS;
      }
      this.#hosts = hosts;
    }
    const staticUrl =
      this.#directPath === this.#params.directPath && !this.#staticUrlFailed
        ? this.#params.staticUrl
        : undefined;
    const urls = buildDownloadUrls({
      hosts,
      directPath: this.#directPath,
      fileEncSha256: this.#params.fileEncSha256,
      mmsType: mediaTypeInfo(this.#params.type).mmsType,
      staticUrl,
      scheme: context.scheme,
    });
    return { urls, staticUrl: staticUrl === '' ? undefined : staticUrl };
  }

  #fail(
    code: MediaDownloadErrorCode,
    message: string,
    cause: unknown,
    reupload?: MediaReuploadResult,
  ): MediaDownloadError {
    return new MediaDownloadError(code, message, {
      attempts: this.#attempts,
      cause,
      ...(reupload === undefined ? {} : { reupload }),
    });
  }
}

/** The whole blob, streamed through the decryptor into the sink, resumable with Range. */
class StreamingFetcher implements BlobFetcher<VerifiedDownload> {
  readonly #context: DownloadEngineContext;
  readonly #params: DownloadParams;
  readonly #sink: DownloadSink;
  readonly #control: TransferControl;
  #decryptor: MediaDecryptor;
  /** URLs whose bytes are in the current decryptor state (more than one after a resume). */
  #sources = new Set<string>();
  #totalBytes: number | null = null;
  /** Set once the hashing worker failed: this download then hashes on its own thread. */
  #workerFailed = false;

  constructor(
    context: DownloadEngineContext,
    params: DownloadParams,
    sink: DownloadSink,
    control: TransferControl,
  ) {
    this.#context = context;
    this.#params = params;
    this.#sink = sink;
    this.#control = control;
    this.#decryptor = this.#newDecryptor();
  }

  get mixedSources(): boolean {
    return this.#sources.size > 1;
  }

  async fetch(url: string, signal: AbortSignal): Promise<VerifiedDownload> {
    try {
      return await this.#fetch(url, signal);
    } catch (error) {
      if (!isHashWorkerError(error) || this.#workerFailed) throw error;
      // The hashing thread died and took its hash states along: not the host's fault. Start
      // over from byte 0 with every hash on this thread (the sink is rewound first).
      this.#workerFailed = true;
      await this.restart();
      return this.#fetch(url, signal);
    }
  }

  async #fetch(url: string, signal: AbortSignal): Promise<VerifiedDownload> {
    let offset = this.#decryptor.bytesIn;
    if (offset > 0 && this.#totalBytes !== null && offset >= this.#totalBytes) {
      // Paused (or cut) after the last byte arrived: nothing is missing, just verify.
      return this.#finish();
    }
    let response: HttpResponse;
    try {
      response = await this.#request(url, signal, offset);
    } catch (error) {
      if (offset === 0 || !isRangeMismatchError(error)) throw error;
      // A 206 for another range than asked (the transport discarded its bytes). The host has
      // the blob, it just cannot resume it: rewind the writer and fetch it whole from here,
      // instead of counting a host failure.
      await this.restart();
      offset = 0;
      response = await this.#request(url, signal, offset);
    }
    try {
      await assertOk(response);
    } catch (error) {
      // 416 for a Range from the end: we already hold every byte. finalize() decides; if the
      // bytes are incomplete it throws an integrity error and the loop restarts from 0.
      if (offset > 0 && isHttpStatusError(error) && error.status === 416) return this.#finish();
      throw error;
    }
    if (offset > 0 && (response.range === null || response.range.start !== offset)) {
      // The server ignored the Range (200): the body starts at byte 0, so start again from 0.
      // (Another 206 start is a RangeMismatchError above; this guards hand-written clients.)
      try {
        await this.restart();
      } catch (error) {
        await response.cancel().catch(() => {});
        throw error;
      }
      if (response.range !== null) {
        await response.cancel().catch(() => {});
        throw new MediaDownloadError('all-hosts-failed', 'Unexpected Content-Range; restarting');
      }
    }
    this.#totalBytes =
      response.range?.total ??
      (response.contentLength === null ? null : response.contentLength + this.#decryptor.bytesIn);
    this.#sources.add(url);
    return this.#consume(response);
  }

  #request(url: string, signal: AbortSignal, offset: number): Promise<HttpResponse> {
    return this.#context.http.request({
      url,
      headers: { ...CDN_HEADERS },
      signal,
      ...(offset > 0 ? { range: { start: offset } } : {}),
    });
  }

  async #consume(response: HttpResponse): Promise<VerifiedDownload> {
    const decryptor = this.#decryptor;
    try {
      // Hot loop: `chunks()` skips the web stream (no reader promise per chunk), `updateParts`
      // hands over the cipher's own output (no join, no copy), and a sink that writes
      // synchronously costs no promise per chunk.
      for await (const value of response.chunks()) {
        const parts = decryptor.updateParts(value);
        for (let index = 0; index < parts.length; index++) {
          const pending = this.#write(parts[index] as Uint8Array);
          if (pending !== undefined) await pending;
        }
        this.#control.reportProgress(decryptor.bytesIn, this.#totalBytes);
      }
    } finally {
      await response.cancel().catch(() => {});
    }
    return this.#finish();
  }

  async #finish(): Promise<VerifiedDownload> {
    const { tail, info } = this.#decryptor.finalize();
    if (tail.length > 0) await this.#write(tail);
    return info;
  }

  /** Writes one chunk; returns a promise only when the sink is asynchronous. */
  #write(plain: Uint8Array): Promise<void> | undefined {
    let pending: void | Promise<void>;
    try {
      pending = this.#sink.write(plain);
    } catch (error) {
      throw new SinkFailure('The sink failed', { cause: error });
    }
    if (pending === undefined) return undefined;
    return Promise.resolve(pending).then(undefined, (error: unknown) => {
      throw new SinkFailure('The sink failed', { cause: error });
    });
  }

  async restart(): Promise<void> {
    this.#decryptor = this.#newDecryptor();
    this.#sources = new Set();
    this.#totalBytes = null;
    try {
      await this.#sink.reset();
    } catch (error) {
      if (isMediaDownloadError(error)) throw error; // not-rewindable
      throw new SinkFailure('The sink failed to rewind', { cause: error });
    }
  }

  #newDecryptor(): MediaDecryptor {
    const { type, mediaKey, fileSha256, fileEncSha256, encrypted, fileLength } = this.#params;
    return new MediaDecryptor({
      type,
      // Large downloads: the hashes run on crypto's worker thread.
      hashInWorker: this.#workerFailed ? false : hashInWorkerFor(fileLength),
      ...(mediaKey === undefined ? {} : { mediaKey }),
      ...(fileSha256 === undefined ? {} : { fileSha256 }),
      ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
      ...(encrypted === undefined ? {} : { encrypted }),
    });
  }
}
