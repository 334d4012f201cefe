// createMediaClient: the one object users hold. It wires the shared media_conn cache, the
// transfer registry, media reupload and the upload / download engines together.

import { encryptedLength, type MediaType, mediaTypeInfo } from '@wa-media/crypto';
import {
  type CdnScheme,
  DEFAULT_CDN_HOSTS,
  type ExternalBlobReference,
  isInvalidArgumentError,
  type Message,
  type MessageInput,
  type MessageKeyInfo,
  normalizeMessageInput,
} from '@wa-media/protocol';
import {
  createKyClient,
  createSafeLogger,
  type HttpClient,
  type Logger,
  logSafeUrl,
  type SafeLogger,
  secretForms,
} from '@wa-media/transport';
import {
  type DownloadEngineContext,
  runCdnLoop,
  runDownload,
  type VerifiedDownload,
} from './download/download-engine.js';
import {
  type DownloadableOptions,
  type DownloadParams,
  downloadParamsFromExternalBlob,
  downloadParamsFromMessage,
  withMediaFields,
} from './download/downloadable.js';
import { checkRange, downloadRange, type RangeDownloadOptions } from './download/range-download.js';
import { BytesSink, type MediaWriter, StreamSink, WriterSink } from './download/sinks.js';
import {
  ClientArgumentError,
  isTransferCancelledError,
  MediaDownloadError,
  MediaUploadError,
} from './errors.js';
import type { LowSpeedRule } from './internal/cdn-driver.js';
import { CdnHostRule } from './internal/cdn-hosts.js';
import {
  type ResolvedRetryPolicy,
  type RetryPolicy,
  resolveRetryPolicy,
} from './internal/cdn-policy.js';
import {
  directPathSecrets,
  type LoggedTransfer,
  startTransferLog,
  type TransferDetails,
} from './internal/transfer-log.js';
import { MediaConnCache, type MediaConnManager } from './media-conn/media-conn-cache.js';
import {
  type AutoReuploadOptions,
  type MediaReupload,
  MediaReuploadImpl,
} from './reupload/media-reupload.js';
import type { DisconnectAwareSignaling } from './signaling/signaling.js';
import { type TransferRegistry, TransferRegistryImpl } from './transfers/registry.js';
import {
  type Transfer,
  type TransferControl,
  TransferImpl,
  type TransferKind,
} from './transfers/transfer.js';
import {
  runUpload,
  type UploadEngineContext,
  type UploadOptions,
  type UploadResult,
} from './upload/upload-engine.js';
import { memorySpool, type UploadSource, type UploadSpool } from './upload/upload-source.js';

/** The default bound on a blob whose length the message does not give: 2 GiB. */
export const DEFAULT_MAX_DOWNLOAD_BYTES: number = 2 * 1024 * 1024 * 1024;

/** The default low-speed rule of a download try: 1 KiB/s over 30 s. */
const DEFAULT_LOW_SPEED: LowSpeedRule = { bytesPerSecond: 1024, seconds: 30 };

/** Options of {@link createMediaClient}. */
export interface MediaClientOptions {
  /**
   * The logged-in connection (`fromBaileysSocket(sock)`, the emulator's, your own). Needed for
   * uploads, media_conn hosts and media reupload; downloads work without it (default hosts).
   */
  signaling?: DisconnectAwareSignaling;
  /**
   * HTTP client. On Node prefer `createNodeHttpClient()` from `@wa-media/transport/node` (the
   * fastest, truly streaming uploads).
   * @default createKyClient() (needs the optional peer `ky` installed)
   */
  http?: HttpClient;
  /** CDN addressing; tests and the emulator use `{ scheme: 'http', allowPrivateAddresses: true }` on loopback. */
  cdn?: {
    /** @default 'https' */
    scheme?: CdnScheme;
    /** Hosts for downloads without a media connection. @default mmg.whatsapp.net, mmg-fallback.whatsapp.net */
    defaultHosts?: readonly string[];
    /**
     * Let downloads reach private, loopback and link-local addresses (127/8, 10/8, 169.254/16,
     * ::1, fe80::/10…), named or resolved. Off, a message's `staticUrl`, a redirect or a host
     * name that points there is refused (SSRF, DNS rebinding; resolved addresses are checked on
     * the node adapter, IP literals on every adapter). Turn it on only for a CDN you run on
     * such an address: tests and the emulator on loopback.
     * @default false
     * @example
     * ```ts
     * createNodeMediaClient({ signaling, cdn: { scheme: 'http', allowPrivateAddresses: true, allowPrivateAddresses: true } });
     * ```
     */
    allowPrivateAddresses?: boolean;
  };
  /** Same-host retries and backoff for 429/502/503/504/network errors. */
  retry?: RetryPolicy;
  /**
   * Where one-shot upload streams are kept while hashed.
   * @default memorySpool() (on Node: `createNodeMediaClient` uses `tempFileSpool()`)
   */
  spool?: UploadSpool;
  /**
   * The most bytes a download's blob may have when the message gives no `fileLength` (with
   * one, the bound is `encryptedLength(fileLength)`). Past it the transfer ends with a
   * `MediaDownloadError` `too-large`, and nothing past the bound is kept.
   * @default 2 GiB (`DEFAULT_MAX_DOWNLOAD_BYTES`)
   * @example createNodeMediaClient({ maxBytes: 64 * 1024 * 1024 })
   */
  maxBytes?: number;
  /**
   * The most one download try of one host may last, in ms: past it the try is aborted and the
   * host counts as failed (retried or left like a network error). Bounds a host that drips
   * bytes slowly enough never to trip the idle timeout.
   * @default no deadline (only the transport's idle timeout)
   * @example createNodeMediaClient({ deadlineMs: 120_000 })
   */
  deadlineMs?: number;
  /**
   * The curl-style low-speed rule of each download try of one host: fewer than
   * `bytesPerSecond × seconds` bytes in one `seconds` window aborts the try (a failed try of
   * that host). `false` turns it off. Not applied to sidecar range windows.
   * @default { bytesPerSecond: 1024, seconds: 30 }
   * @example createNodeMediaClient({ lowSpeed: { bytesPerSecond: 4096, seconds: 10 } })
   */
  lowSpeed?: LowSpeedRule | false;
  /** Media reupload answer timeout. @default 30_000 */
  reuploadTimeoutMs?: number;
  /** media_conn query timeout. @default 20_000 */
  mediaConnTimeoutMs?: number;
  /**
   * A pino-compatible logger (`{ debug, info, warn, error }`). Each transfer logs its start,
   * every CDN host tried (`retry` on the same host, `failover` to another), media reupload, and
   * how it ended (bytes, milliseconds, hosts). Media keys, auth tokens and every URL query value
   * are redacted before a line reaches it. @default no logging
   * @example
   * ```ts
   * import pino from 'pino';
   * const client = createNodeMediaClient({ logger: pino({ level: 'debug' }) });
   * ```
   */
  logger?: Logger;
}

/** Options of every download form. */
export interface DownloadOptions extends DownloadableOptions {
  /** Transfer id, typically the message id. @default generated */
  id?: string;
  /** Aborting cancels the transfer. */
  signal?: AbortSignal;
  /** Progress in blob bytes received. */
  onProgress?: (progress: { bytesDone: number; totalBytes: number | null }) => void;
  /**
   * With signalling: when the CDN answers 404/410 even after the credential refresh, ask the
   * sender's phone to re-upload and download from the new direct path, by itself.
   */
  reupload?: AutoReuploadOptions;
}

/** What `downloadToWriter` resolves with once every check passed. */
export type DownloadResult = VerifiedDownload;

/** A ReadableStream of plaintext with its transfer. */
export interface DownloadStream extends ReadableStream<Uint8Array> {
  /** The download behind the stream: progress, pause / resume / cancel, and the verified result. */
  readonly transfer: Transfer<DownloadResult>;
}

/**
 * What every download takes: explicit {@link DownloadParams}, or a message in any shape the
 * protocol normalizer reads: our `Message`, Baileys' `proto.IMessage`, a whole `WAMessage`
 * (`{ key, message }`: its key drives automatic reupload) or its BufferJSON / JSON form.
 */
export type Downloadable = MessageInput | DownloadParams;

/** The media client. */
export interface MediaClient {
  /** The shared media connection cache. */
  readonly mediaConn: MediaConnManager;
  /** Every transfer, by id. */
  readonly transfers: TransferRegistry;
  /** Media reupload (media retry). */
  readonly mediaReupload: MediaReupload;
  /**
   * Encrypt and upload. Re-readable sources (bytes above 1 MiB, Blob, `fileSource(path)`) are
   * read twice (hash pass, then upload pass) in constant memory; bytes up to 1 MiB are
   * encrypted once; one-shot streams are spooled first (a spool that cannot be created or
   * finished is `source-failed`).
   * Blobs of 5 MiB or more are resumable.
   * @throws {MediaUploadError} (through the transfer) `no-signaling`, `auth-failed`,
   *   `all-hosts-failed`, `source-failed`, `bad-reply`.
   * @throws {MediaConnFetchError} (through the transfer) when media_conn cannot be obtained (uploads
   *   need its auth token; there is no default-host fallback as for downloads).
   * @throws {ClientArgumentError} (through the transfer) for `encrypted: false` on a type
   *   without a newsletter path, or a `mediaKey` for unencrypted media.
   * @throws {TransferCancelledError} (through the transfer) when cancelled.
   * @throws {TransferStateError} `duplicate-transfer` at once when `id` is in use by an active
   *   transfer, `transfer-id-in-use` when a cancelled one with that id is still unwinding.
   * @example
   * ```ts
   * const uploaded = await client.upload(bytes, 'image', { id: msgId });
   * const message = buildImageMessage(uploaded, { mimetype: 'image/jpeg' });
   * ```
   */
  upload(source: UploadSource, type: MediaType, options?: UploadOptions): Transfer<UploadResult>;
  /**
   * Uploads a sticker-pack zip and then its thumbnail with the same media key (as required),
   * as one composite transfer (id `options.id`): pause / resume / cancel act on whichever of
   * the two uploads is under way, and progress restarts from 0 for the thumbnail.
   * @throws {MediaUploadError} / {MediaConnFetchError} / {TransferCancelledError} (through the
   *   transfer) as {@link MediaClient.upload}.
   * @throws {TransferStateError} `duplicate-transfer` / `transfer-id-in-use` at once.
   */
  uploadStickerPack(
    zip: UploadSource,
    thumbnail: UploadSource,
    options?: Omit<UploadOptions, 'mediaKey' | 'encrypted'>,
  ): Transfer<{
    /** The uploaded zip. */
    pack: UploadResult;
    /** The uploaded thumbnail (same media key as the pack). */
    thumbnail: UploadResult;
  }>;
  /**
   * Uploads a sticker-pack thumbnail with its pack's key.
   * @throws {MediaUploadError} `key-mismatch` when `options.mediaKey` differs from the pack's.
   * @throws {ClientArgumentError} when `options.packUpload` is not a sticker-pack upload.
   */
  uploadStickerPackThumbnail(
    thumbnail: UploadSource,
    options: Omit<UploadOptions, 'encrypted'> & { packUpload: UploadResult },
  ): Transfer<UploadResult>;
  /**
   * Download and verify the media of a message; resolves with the plaintext. Without a media
   * connection (no signalling, or media_conn failing) the default hosts are used.
   * @throws {NoMediaError} / {UnsupportedMessageError} at once for a message without media.
   * @throws {MediaDownloadError} `missing-media-fields` at once (e.g. an encrypted type without
   *   `mediaKey`); through the transfer `auth-failed`, `media-not-found`, `reupload-not-found` /
   *   `reupload-decryption-error` / `reupload-general-error` (with `reupload`),
   *   `all-hosts-failed` (with `attempts`; integrity failures as causes).
   * @throws {ClientArgumentError} at once for malformed `DownloadParams`.
   * @throws {TransferStateError} `duplicate-transfer` at once when `id` is in use by an active
   *   transfer, `transfer-id-in-use` when a cancelled one with that id is still unwinding.
   * @throws {TransferCancelledError} (through the transfer) when cancelled.
   */
  download(message: Downloadable, options?: DownloadOptions): Transfer<Uint8Array>;
  /**
   * {@link MediaClient.download} from explicit parameters. `encrypted` defaults to the type's
   * (only `encrypted: false` or an unencrypted type skips the media key).
   * @throws {MediaDownloadError} / {ClientArgumentError} / {TransferStateError} /
   *   {TransferCancelledError} as {@link MediaClient.download}.
   */
  downloadFromParams(params: DownloadParams, options?: DownloadOptions): Transfer<Uint8Array>;
  /**
   * Download an app-state `ExternalBlobReference`.
   * @throws {UnsupportedMessageError} at once when it has no direct path.
   * @throws {MediaDownloadError} / {TransferCancelledError} as {@link MediaClient.download}.
   */
  downloadExternalBlob(
    reference: ExternalBlobReference,
    options?: DownloadOptions,
  ): Transfer<Uint8Array>;
  /**
   * Stream verified plaintext into `writer` in constant memory. The writer is rewound and
   * truncated before a restart and after a failure (see {@link MediaWriter}). A writer error
   * (write, seek, truncate, close) fails the download at once with `writer-failed`: it is never
   * taken for a CDN failure, and no other host is tried.
   * @throws {MediaDownloadError} as `download`, plus `not-rewindable` and `writer-failed`.
   * @throws {TransferCancelledError} (through the transfer) when cancelled.
   */
  downloadToWriter(
    message: Downloadable,
    writer: MediaWriter,
    options?: DownloadOptions,
  ): Transfer<DownloadResult>;
  /**
   * A WHATWG stream of plaintext. **Bytes are unverified until the stream closes**: a failed
   * check errors the stream (it never closes cleanly). Prefer `downloadToFile` (Node) or
   * `downloadToWriter` when the result must be all-or-nothing.
   * @throws {NoMediaError} / {UnsupportedMessageError} / {MediaDownloadError}
   *   (`missing-media-fields`) at once; the stream errors with the `download` errors, plus
   *   `not-rewindable` when a restart from 0 would be needed after bytes were streamed.
   */
  downloadStream(message: Downloadable, options?: DownloadOptions): DownloadStream;
  /**
   * Plaintext bytes `[start, end)`. With a `streamingSidecar` only the needed windows are fetched
   * (HTTP Range) and authenticated; without one the whole blob is streamed and verified, and
   * only the range kept. Both follow the status rules of `download` (one refresh, retries,
   * failover, automatic reupload with `options.reupload`).
   * Returns a registered transfer (id `options.id`). If the CDN ignores `Range`, the full blob
   * follows in the same transfer with the same budget (still one media_conn refresh).
   * @throws {ClientArgumentError} at once for a malformed range.
   * @throws {MediaDownloadError} (through the transfer) as `download` (a window failing its
   *   sidecar MAC on every host gives `all-hosts-failed` with the `MediaIntegrityError`s in
   *   `attempts`).
   * @throws {TransferCancelledError} (through the transfer) when cancelled.
   */
  downloadRange(
    message: Downloadable,
    start: number,
    end: number,
    options?: RangeDownloadOptions,
  ): Transfer<Uint8Array>;
  /**
   * Unsubscribes from the signalling's disconnect events. Never throws.
   */
  close(): void;
}

/**
 * Creates a media client. Never throws (nothing is contacted until the first operation).
 *
 * @example
 * ```ts
 * import { createNodeHttpClient } from '@wa-media/transport/node';
 * const client = createMediaClient({ signaling: fromBaileysSocket(sock), http: createNodeHttpClient() });
 * const bytes = await client.download(message);
 * ```
 */
export function createMediaClient(options: MediaClientOptions = {}): MediaClient {
  return new MediaClientImpl(options);
}

/** The params of one download, and the message key when a `WAMessage` was given. */
interface ResolvedDownload {
  params: DownloadParams;
  key?: MessageKeyInfo | undefined;
  /** The normalized message, when one was given (for `updatedMessage`). */
  message?: Message | undefined;
}

/** The result with `updatedMessage` when the media came back by reupload. */
function withUpdatedMessage(result: DownloadResult, resolved: ResolvedDownload): DownloadResult {
  if (result.updatedMedia === undefined || resolved.message === undefined) return result;
  return { ...result, updatedMessage: withMediaFields(resolved.message, result.updatedMedia) };
}

function resolveDownloadable(
  message: Downloadable,
  options: DownloadableOptions,
): ResolvedDownload {
  if (isDownloadParams(message)) return { params: normalizeParams(message) };
  let normalized: ReturnType<typeof normalizeMessageInput>;
  try {
    normalized = normalizeMessageInput(message);
  } catch (error) {
    if (!isInvalidArgumentError(error)) throw error;
    throw new ClientArgumentError(error.parameter, problemOf(error), { cause: error });
  }
  return {
    params: downloadParamsFromMessage(normalized.message, options),
    key: normalized.key,
    message: normalized.message,
  };
}

function isDownloadParams(value: Downloadable): value is DownloadParams {
  return (
    typeof (value as DownloadParams).type === 'string' &&
    typeof (value as DownloadParams).directPath === 'string'
  );
}

class MediaClientImpl implements MediaClient {
  readonly mediaConn: MediaConnCache;
  readonly transfers: TransferRegistryImpl;
  readonly mediaReupload: MediaReuploadImpl;
  readonly #options: MediaClientOptions;
  readonly #http: HttpClient;
  readonly #retry: ResolvedRetryPolicy;
  readonly #spool: UploadSpool;
  readonly #unsubscribe: () => void;
  readonly #log: SafeLogger;
  readonly #hostRule: CdnHostRule;
  /** Per running transfer (only with a logger): its logger and its logged HTTP client. */
  readonly #logged = new WeakMap<TransferControl, LoggedTransfer>();

  constructor(options: MediaClientOptions) {
    this.#options = options;
    this.#log = createSafeLogger(options.logger, { bindings: { component: 'wa-media/client' } });
    this.#http = options.http ?? createKyClient();
    this.#retry = resolveRetryPolicy(options.retry);
    this.#spool = options.spool ?? memorySpool();
    this.mediaConn = new MediaConnCache({
      signaling: options.signaling,
      ...(options.mediaConnTimeoutMs === undefined
        ? {}
        : { queryTimeoutMs: options.mediaConnTimeoutMs }),
    });
    this.#hostRule = new CdnHostRule({
      scheme: options.cdn?.scheme ?? 'https',
      defaultHosts: options.cdn?.defaultHosts ?? DEFAULT_CDN_HOSTS,
      currentConn: () => this.mediaConn.peek(),
      allowPrivateAddresses: options.cdn?.allowPrivateAddresses === true,
    });
    this.transfers = new TransferRegistryImpl();
    this.mediaReupload = new MediaReuploadImpl(
      options.signaling,
      options.reuploadTimeoutMs ?? 30_000,
    );
    this.#unsubscribe =
      options.signaling?.onDisconnect?.(() => this.mediaConn.invalidate()) ?? (() => {});
  }

  upload(
    source: UploadSource,
    type: MediaType,
    options: UploadOptions = {},
  ): Transfer<UploadResult> {
    const details = (): TransferDetails => ({
      fields: { mediaType: type, encrypted: options.encrypted ?? mediaTypeInfo(type).encrypted },
      secrets: options.mediaKey === undefined ? [] : secretForms(options.mediaKey),
    });
    return this.#start('upload', options, details, (control) =>
      runUpload(this.#uploadContext(control), source, type, options, control),
    );
  }

  #uploadContext(control: TransferControl): UploadEngineContext {
    return {
      http: this.#httpFor(control),
      mediaConn: this.mediaConn,
      hasSignaling: this.#options.signaling !== undefined,
      scheme: this.#options.cdn?.scheme ?? 'https',
      retry: this.#retry,
      spool: this.#spool,
    };
  }

  uploadStickerPack(
    zip: UploadSource,
    thumbnail: UploadSource,
    options: Omit<UploadOptions, 'mediaKey' | 'encrypted'> = {},
  ): Transfer<{ pack: UploadResult; thumbnail: UploadResult }> {
    const { id: _id, signal: _signal, onProgress: _onProgress, ...rest } = options;
    const details = (): TransferDetails => ({ fields: { mediaType: 'sticker-pack' }, secrets: [] });
    return this.#start('upload', options, details, async (control) => {
      // Both uploads run under this one transfer's control; the thumbnail takes the zip's key.
      const pack = await runUpload(
        this.#uploadContext(control),
        zip,
        'sticker-pack',
        rest,
        control,
      );
      const thumb = await runUpload(
        this.#uploadContext(control),
        thumbnail,
        'sticker-pack-thumbnail',
        { ...rest, ...(pack.mediaKey === undefined ? {} : { mediaKey: pack.mediaKey }) },
        control,
      );
      return { pack, thumbnail: thumb };
    });
  }

  uploadStickerPackThumbnail(
    thumbnail: UploadSource,
    options: Omit<UploadOptions, 'encrypted'> & { packUpload: UploadResult },
  ): Transfer<UploadResult> {
    const { packUpload, ...rest } = options;
    const packKey = packUpload?.mediaKey;
    if (packUpload?.type !== 'sticker-pack' || packKey === undefined) {
      throw new ClientArgumentError(
        'options.packUpload',
        'must be the UploadResult of a sticker-pack upload',
      );
    }
    if (rest.mediaKey !== undefined && !sameBytes(rest.mediaKey, packKey)) {
      throw new MediaUploadError(
        'key-mismatch',
        'A sticker-pack thumbnail must use its pack’s media key',
      );
    }
    return this.upload(thumbnail, 'sticker-pack-thumbnail', { ...rest, mediaKey: packKey });
  }

  download(message: Downloadable, options: DownloadOptions = {}): Transfer<Uint8Array> {
    const resolved = this.#params(message, options);
    const { params } = resolved;
    const sink = new BytesSink();
    return this.#start(
      'download',
      options,
      () => this.#downloadDetails(params),
      async (control) => {
        await runDownload(this.#downloadContext(resolved, options, control), params, sink, control);
        return sink.bytes();
      },
    );
  }

  downloadFromParams(params: DownloadParams, options: DownloadOptions = {}): Transfer<Uint8Array> {
    return this.download(params, options);
  }

  downloadExternalBlob(
    reference: ExternalBlobReference,
    options: DownloadOptions = {},
  ): Transfer<Uint8Array> {
    return this.download(downloadParamsFromExternalBlob(reference), options);
  }

  downloadToWriter(
    message: Downloadable,
    writer: MediaWriter,
    options: DownloadOptions = {},
  ): Transfer<DownloadResult> {
    const resolved = this.#params(message, options);
    const { params } = resolved;
    const sink = new WriterSink(writer);
    return this.#start(
      'download',
      options,
      () => this.#downloadDetails(params),
      async (control) => {
        control.onEnd(async (state) => {
          if (state !== 'succeeded') await writer.abort?.(state);
        });
        const result = withUpdatedMessage(
          await runDownload(
            this.#downloadContext(resolved, options, control),
            params,
            sink,
            control,
          ),
          resolved,
        );
        try {
          // The irreversible step (rename into place): a cancel during it waits, then is refused.
          await control.commit(async () => writer.close?.());
        } catch (error) {
          // Cancelled just before, or close() failed: the writer is left empty, as after any failure.
          await Promise.resolve()
            .then(() => sink.reset())
            .catch(() => {});
          if (isTransferCancelledError(error)) throw error;
          throw new MediaDownloadError('writer-failed', 'The writer failed to close', {
            cause: error,
          });
        }
        return result;
      },
    );
  }

  downloadStream(message: Downloadable, options: DownloadOptions = {}): DownloadStream {
    const resolved = this.#params(message, options);
    const { params } = resolved;
    const sink = new StreamSink();
    let transfer: Transfer<DownloadResult> | undefined;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          sink.attach(controller);
          transfer = this.#start(
            'download',
            options,
            () => this.#downloadDetails(params),
            (control) => {
              sink.signal = () => control.signal;
              return runDownload(
                this.#downloadContext(resolved, options, control),
                params,
                sink,
                control,
              ).then((result) => withUpdatedMessage(result, resolved));
            },
          );
          transfer.then(
            () => controller.close(),
            (error: unknown) => controller.error(error),
          );
        },
        pull: () => sink.pulled(),
        cancel: async () => {
          sink.pulled();
          if (
            transfer !== undefined &&
            !['succeeded', 'failed', 'cancelled'].includes(transfer.state)
          ) {
            await transfer.cancel();
          }
        },
      },
      { highWaterMark: 4 },
    );
    return Object.assign(stream, { transfer: transfer as unknown as Transfer<DownloadResult> });
  }

  downloadRange(
    message: Downloadable,
    start: number,
    end: number,
    options: RangeDownloadOptions = {},
  ): Transfer<Uint8Array> {
    const resolved = this.#params(message, {});
    const { params } = resolved;
    checkRange(start, end);
    return this.#start(
      'download',
      options,
      () => this.#downloadDetails(params),
      (control) => {
        const context = this.#downloadContext(resolved, options, control);
        return downloadRange(
          {
            download: (sink, ctl, budget) => runDownload(context, params, sink, ctl, budget),
            fetchLoop: (fetcher, ctl, budget) => runCdnLoop(context, params, ctl, fetcher, budget),
            http: context.http,
            blobLength: params.fileLength
              ? params.encrypted === false
                ? params.fileLength
                : encryptedLength(params.fileLength)
              : undefined,
          },
          params,
          start,
          end,
          control,
        );
      },
    );
  }

  close(): void {
    this.#unsubscribe();
  }

  #params(message: Downloadable, options: DownloadableOptions): ResolvedDownload {
    const resolved = resolveDownloadable(message, options);
    const params = resolved.params;
    if (params.encrypted !== false && params.mediaKey === undefined) {
      throw new MediaDownloadError('missing-media-fields', 'Encrypted media needs its mediaKey');
    }
    if (
      params.encrypted === false &&
      params.fileSha256 === undefined &&
      params.fileEncSha256 === undefined
    ) {
      throw new MediaDownloadError(
        'missing-media-fields',
        'Unencrypted media needs fileSha256 to be verified',
      );
    }
    return resolved;
  }

  #downloadContext(
    { params, key }: ResolvedDownload,
    options: DownloadOptions,
    control: TransferControl,
  ): DownloadEngineContext {
    const signaling = this.#options.signaling;
    // A WAMessage's key is enough: explicit options win.
    const auto = options.reupload ?? key;
    const mediaKey = params.mediaKey;
    const log = this.#logged.get(control)?.log;
    return {
      http: this.#hostRule.guard(this.#httpFor(control)),
      hostRule: this.#hostRule,
      maxBytes: this.#options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES,
      attemptDeadlineMs: this.#options.deadlineMs,
      lowSpeed:
        this.#options.lowSpeed === false
          ? undefined
          : (this.#options.lowSpeed ?? DEFAULT_LOW_SPEED),
      onRefusedUrl: (url) =>
        (log ?? this.#log).log('warn', 'staticUrl outside the CDN hosts ignored', {
          url: logSafeUrl(url),
        }),
      mediaConn: this.mediaConn,
      hasSignaling: signaling !== undefined,
      scheme: this.#options.cdn?.scheme ?? 'https',
      defaultHosts: this.#options.cdn?.defaultHosts,
      retry: this.#retry,
      reupload:
        auto === undefined || signaling === undefined || mediaKey === undefined
          ? undefined
          : async (signal) => {
              log?.log('info', 'media reupload requested', { msgId: auto.msgId });
              const started = performance.now();
              const result = await this.mediaReupload.request({ ...auto, mediaKey, signal });
              if (result.status === 'success')
                log?.addSecret(...directPathSecrets(result.directPath));
              log?.log(result.status === 'success' ? 'info' : 'warn', 'media reupload answered', {
                status: result.status,
                ms: Math.round(performance.now() - started),
                ...(result.status === 'success'
                  ? { directPath: logSafeUrl(result.directPath) }
                  : {}),
              });
              return result;
            },
    };
  }

  /** The transfer's logged HTTP client when logging, else the client's. */
  #httpFor(control: TransferControl): HttpClient {
    return this.#logged.get(control)?.http ?? this.#http;
  }

  /** What a download's start line says, and the secrets its lines must never show. */
  #downloadDetails(params: DownloadParams): TransferDetails {
    const secrets = [
      ...(params.mediaKey === undefined ? [] : secretForms(params.mediaKey)),
      ...directPathSecrets(params.directPath),
    ];
    return {
      fields: {
        mediaType: params.type,
        encrypted: params.encrypted !== false,
        directPath: logSafeUrl(params.directPath),
        ...(params.fileLength === undefined ? {} : { fileLength: params.fileLength }),
      },
      secrets,
    };
  }

  #start<T>(
    kind: TransferKind,
    options: {
      id?: string;
      signal?: AbortSignal;
      onProgress?: (progress: { bytesDone: number; totalBytes: number | null }) => void;
    },
    /** What the start line says (built only when logging). */
    details: () => TransferDetails,
    operation: (control: TransferControl) => Promise<T>,
  ): Transfer<T> {
    const id = this.transfers.claimId(options.id, kind);
    const transfer = new TransferImpl<T>(id, kind, options.signal);
    if (options.onProgress !== undefined) transfer.on('progress', options.onProgress);
    this.transfers.add(transfer);
    // The operation gets the transfer as its control: its contexts find the logged HTTP here.
    if (this.#options.logger !== undefined) {
      this.#logged.set(transfer, startTransferLog(this.#log, this.#http, transfer, details()));
    }
    return transfer.start(operation);
  }
}

function normalizeParams(params: DownloadParams): DownloadParams {
  if (typeof params.directPath !== 'string' || !params.directPath.startsWith('/')) {
    throw new ClientArgumentError('params.directPath', 'must be a path starting with "/"');
  }
  // Unencrypted only when said so (or the type has no encryption): a missing mediaKey on an
  // encrypted type is an incomplete message, not a plaintext blob.
  return { ...params, encrypted: params.encrypted ?? mediaTypeInfo(params.type).encrypted };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** The protocol error's problem without its "Invalid <field>:" prefix (the field is named apart). */
function problemOf(error: Error): string {
  return error.message.replace(/^Invalid [^:]*: /, '');
}
