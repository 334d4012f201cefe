// One try of one URL for the whole verified blob: the response is streamed through the
// decryptor into the sink and resumed with Range from the bytes already received. The host
// loop around it is the CDN driver's (download-operation.ts gives it this fetcher).

import {
  encryptedLength,
  isHashWorkerError,
  MediaDecryptor,
  mediaTypeInfo,
} from '@wa-media/crypto';
import { CDN_HEADERS } from '@wa-media/protocol';
import {
  assertOk,
  type HttpResponse,
  isHttpStatusError,
  isRangeMismatchError,
} from '@wa-media/transport';
import { isMediaDownloadError, MediaDownloadError } from '../errors.js';
import { hashInWorkerFor } from '../internal/worker-hashing.js';
import type { TransferControl } from '../transfers/transfer.js';
import {
  type BlobFetcher,
  type DownloadEngineContext,
  type DownloadSink,
  SinkFailure,
  type VerifiedDownload,
} from './download-types.js';
import type { DownloadParams } from './downloadable.js';

/** The whole blob, streamed through the decryptor into the sink, resumable with Range. */
export class StreamingFetcher implements BlobFetcher<VerifiedDownload> {
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

  bytesReceived(): number {
    return this.#decryptor.bytesIn;
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
    const bound = this.#blobBound();
    if (this.#totalBytes !== null && this.#totalBytes > bound) {
      await response.cancel().catch(() => {});
      throw this.#tooLarge(bound);
    }
    return this.#consume(response, bound);
  }

  #request(url: string, signal: AbortSignal, offset: number): Promise<HttpResponse> {
    return this.#context.http.request({
      url,
      headers: { ...CDN_HEADERS },
      signal,
      ...(offset > 0 ? { range: { start: offset } } : {}),
    });
  }

  /**
   * The most bytes the blob may have: `encryptedLength(fileLength)` (the plain length for
   * unencrypted media) when the message says, else `maxBytes`. A hostile host's endless body
   * ends here, not in the disk or the memory.
   */
  #blobBound(): number {
    const { fileLength, encrypted, type } = this.#params;
    if (fileLength === undefined || fileLength <= 0) return this.#context.maxBytes;
    const isEncrypted = encrypted ?? mediaTypeInfo(type).encrypted;
    return isEncrypted ? encryptedLength(fileLength) : fileLength;
  }

  #tooLarge(bound: number): MediaDownloadError {
    return new MediaDownloadError(
      'too-large',
      `The CDN sent more than the blob can be (${bound} bytes); the transfer was ended`,
    );
  }

  async #consume(response: HttpResponse, bound: number): Promise<VerifiedDownload> {
    const decryptor = this.#decryptor;
    try {
      // Hot loop: `chunks()` skips the web stream (no reader promise per chunk), `updateParts`
      // hands over the cipher's own output (no join, no copy), and a sink that writes
      // synchronously costs no promise per chunk.
      for await (const value of response.chunks()) {
        if (decryptor.bytesIn + value.length > bound) throw this.#tooLarge(bound);
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
