// The verified, streaming, failing-over download loop. Every download form (bytes, writer,
// stream, file) runs this with a different sink. Bytes reach the sink as they are decrypted,
// but the result only counts once `MediaDecryptor.finalize()` passed every check; a failure
// resets the sink (rewind + truncate) so nothing unverified is left as a result.

import { type DecryptedMediaInfo, MediaDecryptor, mediaTypeInfo } from '@wa-media/crypto';
import { buildDownloadUrls, CDN_HEADERS, DEFAULT_CDN_HOSTS } from '@wa-media/protocol';
import { assertOk, type HttpClient, type HttpResponse } from '@wa-media/transport';
import {
  isMediaDownloadError,
  MediaDownloadError,
  safeUrl,
  type TransferAttempt,
} from '../errors.js';
import {
  classifyCdnFailure,
  type ResolvedRetryPolicy,
  retryDelay,
  sleep,
} from '../internal/cdn-policy.js';
import type { MediaConnCache } from '../media-conn/media-conn-cache.js';
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
  /** Asks the sender's phone to re-upload; resolves with the new direct path, or undefined. */
  readonly reupload: ((signal: AbortSignal) => Promise<string | undefined>) | undefined;
}

/** What a finished download proved. */
export type VerifiedDownload = DecryptedMediaInfo;

/**
 * Runs one download to completion (or final failure), honouring pause/resume/cancel.
 * @throws {MediaDownloadError} when no host gave verified bytes.
 * @throws {TransferCancelledError} when cancelled.
 */
export async function runDownload(
  context: DownloadEngineContext,
  params: DownloadParams,
  sink: DownloadSink,
  control: TransferControl,
): Promise<VerifiedDownload> {
  return new DownloadRun(context, params, sink, control).run();
}

class DownloadRun {
  readonly #context: DownloadEngineContext;
  readonly #params: DownloadParams;
  readonly #sink: DownloadSink;
  readonly #control: TransferControl;
  readonly #attempts: TransferAttempt[] = [];
  #decryptor: MediaDecryptor;
  #directPath: string;
  #authRefreshed = false;
  #notFoundRefreshed = false;
  #reuploaded = false;
  /** URLs whose bytes are in the current decryptor state (more than one after a resume). */
  #sources = new Set<string>();
  #totalBytes: number | null = null;

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
    this.#directPath = params.directPath;
    this.#decryptor = this.#newDecryptor();
  }

  async run(): Promise<VerifiedDownload> {
    try {
      return await this.#run();
    } catch (error) {
      // "After a failure": nothing unverified stays in a rewindable sink.
      await Promise.resolve()
        .then(() => this.#sink.reset())
        .catch(() => {});
      throw error;
    }
  }

  async #run(): Promise<VerifiedDownload> {
    passes: for (;;) {
      await this.#control.checkpoint();
      const urls = await this.#urls();
      for (let index = 0; index < urls.length; index++) {
        const url = urls[index] as string;
        let retries = 0;
        let integrityRetried = false;
        for (;;) {
          await this.#control.checkpoint();
          try {
            return await this.#fetchFrom(url);
          } catch (error) {
            if (this.#control.interrupted) continue; // paused: checkpoint waits, then resume here
            if (isMediaDownloadError(error) && error.code === 'not-rewindable') throw error;
            const verdict = classifyCdnFailure(error);
            this.#attempts.push({
              url: safeUrl(url),
              error,
              ...('status' in verdict && verdict.status !== undefined
                ? { status: verdict.status }
                : {}),
            });
            if (verdict.action === 'refresh-auth') {
              if (this.#authRefreshed || !this.#context.hasSignaling) {
                throw this.#fail(
                  'auth-failed',
                  `CDN refused the credentials (HTTP ${verdict.status})`,
                  error,
                );
              }
              this.#authRefreshed = true;
              this.#context.mediaConn.invalidate();
              continue passes;
            }
            if (verdict.action === 'not-found') {
              this.#context.mediaConn.invalidate();
              if (!this.#notFoundRefreshed && this.#context.hasSignaling) {
                this.#notFoundRefreshed = true;
                continue passes;
              }
              if (!this.#reuploaded && this.#context.reupload !== undefined) {
                this.#reuploaded = true;
                let directPath: string | undefined;
                try {
                  directPath = await this.#context.reupload(this.#control.signal);
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
                if (directPath !== undefined) {
                  this.#directPath = directPath;
                  await this.#restart();
                  continue passes;
                }
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
              const mixed = this.#sources.size > 1;
              await this.#restart();
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

  async #urls(): Promise<string[]> {
    const { context, params } = { context: this.#context, params: this.#params };
    let hosts: readonly string[];
    if (context.hasSignaling) {
      for (;;) {
        await this.#control.checkpoint();
        try {
          const conn = await context.mediaConn.get({ signal: this.#control.signal });
          hosts = context.mediaConn.hostOrder(conn);
          break;
        } catch (error) {
          if (this.#control.interrupted) continue;
          if (context.defaultHosts === undefined) throw error;
          hosts = context.defaultHosts; // download works without a media connection
          break;
        }
      }
    } else {
      hosts = context.defaultHosts ?? DEFAULT_CDN_HOSTS;
    }
    return buildDownloadUrls({
      hosts,
      directPath: this.#directPath,
      fileEncSha256: params.fileEncSha256,
      mmsType: mediaTypeInfo(params.type).mmsType,
      staticUrl: this.#directPath === params.directPath ? params.staticUrl : undefined,
      scheme: context.scheme,
    });
  }

  async #fetchFrom(url: string): Promise<VerifiedDownload> {
    const offset = this.#decryptor.bytesIn;
    const response = await this.#context.http.request({
      url,
      headers: { ...CDN_HEADERS },
      signal: this.#control.signal,
      ...(offset > 0 ? { range: { start: offset } } : {}),
    });
    await assertOk(response);
    if (offset > 0 && (response.range === null || response.range.start !== offset)) {
      // The server ignored the Range (200) or sent another one: start again from byte 0.
      try {
        await this.#restart();
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

  async #consume(response: HttpResponse): Promise<VerifiedDownload> {
    const body = response.body;
    const decryptor = this.#decryptor;
    if (body !== null) {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const plain = decryptor.update(value);
          if (plain.length > 0) await this.#sink.write(plain);
          this.#control.reportProgress(decryptor.bytesIn, this.#totalBytes);
        }
      } finally {
        reader.releaseLock();
        await response.cancel().catch(() => {});
      }
    }
    const { tail, info } = decryptor.finalize();
    if (tail.length > 0) await this.#sink.write(tail);
    return info;
  }

  async #restart(): Promise<void> {
    this.#decryptor = this.#newDecryptor();
    this.#sources = new Set();
    await this.#sink.reset();
  }

  #newDecryptor(): MediaDecryptor {
    const { type, mediaKey, fileSha256, fileEncSha256, encrypted } = this.#params;
    return new MediaDecryptor({
      type,
      ...(mediaKey === undefined ? {} : { mediaKey }),
      ...(fileSha256 === undefined ? {} : { fileSha256 }),
      ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
      ...(encrypted === undefined ? {} : { encrypted }),
    });
  }

  #fail(
    code: 'auth-failed' | 'media-not-found' | 'all-hosts-failed',
    message: string,
    cause: unknown,
  ): MediaDownloadError {
    return new MediaDownloadError(code, message, { attempts: this.#attempts, cause });
  }
}
