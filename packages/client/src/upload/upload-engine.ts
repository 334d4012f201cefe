// Upload: hash pass → token → per host: resume probe (≥ 5 MiB) → POST of the rest. The blob is
// never kept: the second pass re-encrypts with the same key (AES-CBC with an HKDF-derived iv is
// deterministic), discarding output before the resume offset.

import {
  deriveMediaKeys,
  encryptedLength,
  type HashInWorker,
  isHashWorkerError,
  MediaEncryptor,
  type MediaEncryptorResult,
  type MediaInfo,
  type MediaType,
  mediaTypeInfo,
} from '@wa-media/crypto';
import {
  buildUploadUrl,
  CDN_HEADERS,
  type MediaConn,
  mediaUploadToken,
  parseResumeProbe,
  parseUploadReply,
  RESUMABLE_UPLOAD_THRESHOLD,
  type UploadReply,
} from '@wa-media/protocol';
import {
  assertOk,
  type HttpClient,
  isHttpStatusError,
  readJson,
  readText,
} from '@wa-media/transport';
import {
  InvalidArgumentError,
  isMediaClientError,
  MediaUploadError,
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
import type { TransferControl } from '../transfers/transfer.js';
import {
  abortableReads,
  asReopenable,
  checkChunk,
  iterateOnce,
  type ReopenableSource,
  type UploadSource,
  type UploadSpool,
} from './upload-source.js';

/** Options of `client.upload`. */
export interface UploadOptions {
  /**
   * The 32-byte media key to use (a sticker-pack thumbnail must reuse its pack's key).
   * @default a fresh random key
   */
  mediaKey?: Uint8Array;
  /** Transfer id, typically the message id (for `client.transfers`). @default generated */
  id?: string;
  /** Aborting cancels the transfer. */
  signal?: AbortSignal;
  /** Progress in blob bytes the CDN holds. */
  onProgress?: (progress: { bytesDone: number; totalBytes: number | null }) => void;
  /** Compute the streaming sidecar. @default true for audio and video */
  sidecar?: boolean;
  /**
   * `false` uploads the bytes as they are: newsletter (channel) media. product-catalog-image is
   * always unencrypted.
   * @default true (except product-catalog-image)
   */
  encrypted?: boolean;
  /** Where a one-shot stream is kept while hashed. @default the client's `spool` */
  spool?: UploadSpool;
}

/** What an upload gives: everything a media message needs. */
export interface UploadResult {
  /** CDN URL (signed: do not log). */
  url: string;
  /** Direct path with its signed query (do not log). */
  directPath: string;
  /** Newsletter / product media: the message's media id. */
  handle?: string;
  /** The media key (secret); `undefined` for unencrypted media. */
  mediaKey: Uint8Array | undefined;
  fileSha256: Uint8Array;
  fileEncSha256: Uint8Array;
  /** Plaintext length. */
  fileLength: number;
  /** Unix seconds when the key was created. */
  mediaKeyTimestamp: number;
  streamingSidecar?: Uint8Array;
  /** The media type uploaded. */
  type: MediaType;
  encrypted: boolean;
}

/** What the upload loop needs from the client. */
export interface UploadEngineContext {
  readonly http: HttpClient;
  readonly mediaConn: MediaConnCache;
  readonly hasSignaling: boolean;
  readonly scheme: 'https' | 'http';
  readonly retry: ResolvedRetryPolicy;
  readonly spool: UploadSpool;
}

const NEWSLETTER_TYPES: ReadonlySet<MediaType> = new Set([
  'image',
  'video',
  'audio',
  'document',
  'sticker',
]);

/** A prepared blob: its metadata, and a way to read it from any offset. */
interface PreparedBlob {
  readonly info: MediaInfo;
  readonly length: number;
  read(offset: number): AsyncIterable<Uint8Array>;
  dispose(): Promise<void>;
}

/**
 * Runs one upload to completion, honouring pause/resume/cancel.
 * @throws {MediaUploadError} no signalling, source failure, or every host failed.
 * @throws {TransferCancelledError} when cancelled.
 */
export async function runUpload(
  context: UploadEngineContext,
  source: UploadSource,
  type: MediaType,
  options: UploadOptions,
  control: TransferControl,
): Promise<UploadResult> {
  if (!context.hasSignaling) {
    throw new MediaUploadError('no-signaling', 'Uploads need signalling (a media_conn auth token)');
  }
  const typeInfo = mediaTypeInfo(type);
  const encrypted = typeInfo.encrypted && options.encrypted !== false;
  let uploadPath = typeInfo.uploadPath;
  if (!encrypted && typeInfo.encrypted) {
    if (!NEWSLETTER_TYPES.has(type)) {
      throw new InvalidArgumentError(
        'options.encrypted',
        `cannot be false for type ${JSON.stringify(type)}`,
      );
    }
    uploadPath = `/newsletter/newsletter-${type}`;
  }
  if (!encrypted && options.mediaKey !== undefined) {
    throw new InvalidArgumentError('options.mediaKey', 'must not be given for unencrypted media');
  }
  const mediaKeyTimestamp = Math.floor(Date.now() / 1000);
  const encryptorOptions = {
    encrypted,
    ...(options.mediaKey === undefined ? {} : { mediaKey: options.mediaKey }),
    ...(options.sidecar === undefined ? {} : { sidecar: options.sidecar }),
  };
  const blob = await prepare(
    source,
    type,
    encryptorOptions,
    options.spool ?? context.spool,
    control,
  );
  control.onEnd(() => blob.dispose());
  const reply = await new UploadRun(context, blob, uploadPath, control).run();
  const { info } = blob;
  return {
    url: reply.url,
    directPath: reply.directPath,
    ...(reply.handle === undefined ? {} : { handle: reply.handle }),
    mediaKey: info.mediaKey,
    fileSha256: info.fileSha256,
    fileEncSha256: info.fileEncSha256,
    fileLength: info.fileLength,
    mediaKeyTimestamp,
    ...(info.streamingSidecar === undefined ? {} : { streamingSidecar: info.streamingSidecar }),
    type,
    encrypted: info.encrypted,
  };
}

type EncryptorOptions = {
  encrypted: boolean;
  mediaKey?: Uint8Array;
  sidecar?: boolean;
  hashInWorker?: HashInWorker;
};

async function prepare(
  source: UploadSource,
  type: MediaType,
  encryptorOptions: EncryptorOptions,
  spool: UploadSpool,
  control: TransferControl,
): Promise<PreparedBlob> {
  let reopenable = asReopenable(source);
  if (reopenable instanceof Uint8Array && reopenable.length > ONE_PASS_BYTES_LIMIT) {
    // Large bytes are read twice like a file: keeping their ciphertext would double the memory.
    const bytes = reopenable;
    reopenable = {
      size: bytes.length,
      async *open() {
        yield* slices(bytes);
      },
    };
  }
  if (reopenable instanceof Uint8Array) {
    // Small bytes: encrypt once and keep the blob (one pass instead of two).
    const encryptor = new MediaEncryptor(type, encryptorOptions);
    const body = encryptor.update(reopenable);
    const { tail, info } = encryptor.finalize();
    const data = new Uint8Array(body.length + tail.length);
    data.set(body, 0);
    data.set(tail, body.length);
    return {
      info,
      length: data.length,
      async *read(offset) {
        yield* slices(data.subarray(offset));
      },
      async dispose() {},
    };
  }
  if (reopenable !== undefined) {
    const readable = reopenable;
    const hash = (hashInWorker: HashInWorker): Promise<MediaEncryptorResult> =>
      hashPass(
        abortableReads(readable.open(), control),
        type,
        { ...encryptorOptions, hashInWorker },
        undefined,
        control,
      );
    let hashed: MediaEncryptorResult;
    try {
      // Large files: the hashes run on crypto's worker thread beside the cipher.
      hashed = await hash(hashInWorkerFor(reopenable.size));
    } catch (error) {
      if (!isHashWorkerError(error)) throw error;
      // The hashing thread died (its hash states with it): hash again on this thread alone.
      hashed = await hash(false);
    }
    return preparedFrom(reopenable, hashed, type, async () => {});
  }
  // One-shot stream: spool while hashing, then read the spool for the upload pass.
  let writer: Awaited<ReturnType<UploadSpool['create']>>;
  try {
    writer = await spool.create();
  } catch (error) {
    throw new MediaUploadError('source-failed', 'Creating the upload spool failed', {
      cause: error,
    });
  }
  let hashed: MediaEncryptorResult;
  try {
    hashed = await hashPass(
      abortableReads(iterateOnce(source), control),
      type,
      encryptorOptions,
      writer,
      control,
    );
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
  let spooled: Awaited<ReturnType<typeof writer.finish>>;
  try {
    spooled = await writer.finish();
  } catch (error) {
    // Whatever was written is removed: a failed upload leaves no spool file.
    await writer.abort().catch(() => {});
    throw new MediaUploadError('source-failed', 'Finishing the upload spool failed', {
      cause: error,
    });
  }
  return preparedFrom(spooled, hashed, type, () => spooled.dispose());
}

async function hashPass(
  chunks: AsyncIterable<Uint8Array>,
  type: MediaType,
  encryptorOptions: EncryptorOptions,
  spool: { write(chunk: Uint8Array): Promise<void> | void } | undefined,
  control: TransferControl,
): Promise<MediaEncryptorResult> {
  const encryptor = new MediaEncryptor(type, encryptorOptions);
  try {
    for await (const chunk of chunks) {
      checkChunk(chunk);
      // Paused or cancelled while hashing: wait here (or stop).
      if (control.signal.aborted) await control.checkpoint();
      // Only the hashes are kept from this pass: `updateParts` skips joining output we drop.
      encryptor.updateParts(chunk);
      if (spool !== undefined) await spool.write(chunk);
    }
  } catch (error) {
    if (isMediaClientError(error) || isHashWorkerError(error)) throw error;
    throw new MediaUploadError('source-failed', 'Reading the upload source failed', {
      cause: error,
    });
  }
  return encryptor.finalize();
}

function preparedFrom(
  source: ReopenableSource,
  hashed: MediaEncryptorResult,
  type: MediaType,
  dispose: () => Promise<void>,
): PreparedBlob {
  const { info, tail } = hashed;
  const length = info.encrypted ? encryptedLength(info.fileLength) : info.fileLength;
  const mediaKey = info.mediaKey;
  return {
    info,
    length,
    dispose,
    async *read(offset) {
      if (mediaKey === undefined) {
        yield* plaintextPass(source, type, info, offset);
        return;
      }
      // Same key ⇒ same ciphertext. The hashes and the MAC are known from the hashing pass, so
      // this pass only runs AES-CBC (WebCrypto: off the main thread where the runtime allows)
      // and ends with the hashing pass's tail (last block ‖ MAC).
      yield* regenerateCiphertext(source, deriveMediaKeys(mediaKey, type), tail, offset);
    },
  };
}

/**
 * Plaintext media: the bytes themselves. The whole source is re-read and hashed (also before a
 * resume offset), and the last piece is held back until the hash and length match the hashing
 * pass: a source that changed fails with `source-failed` instead of a body every host rejects.
 */
async function* plaintextPass(
  source: ReopenableSource,
  type: MediaType,
  info: MediaInfo,
  offset: number,
): AsyncGenerator<Uint8Array> {
  const hasher = new MediaEncryptor(type, { encrypted: false, sidecar: false });
  let position = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of source.open()) {
    const end = position + checkChunk(chunk).length;
    hasher.updateParts(chunk);
    if (end > offset) {
      for (const piece of slices(position >= offset ? chunk : chunk.subarray(offset - position))) {
        if (held !== undefined) yield held;
        held = piece;
      }
    }
    position = end;
  }
  if (
    position !== info.fileLength ||
    !equalBytes(hasher.finalize().info.fileSha256, info.fileSha256)
  ) {
    throw new MediaUploadError(
      'source-failed',
      'The source changed between the hashing and the upload pass',
    );
  }
  if (held !== undefined) yield held;
}

/** Up to this size a `Uint8Array` is encrypted once and its ciphertext kept (one pass). */
const ONE_PASS_BYTES_LIMIT = 1024 * 1024;

/** Plaintext bytes per WebCrypto call: large enough to amortise the call, small for memory. */
const CBC_BATCH = 1024 * 1024;

/** Encrypted batches computed ahead of the network (bounded: memory stays O(batch)). */
const BATCHES_AHEAD = 2;

async function* regenerateCiphertext(
  source: ReopenableSource,
  keys: { cipherKey: Uint8Array; iv: Uint8Array },
  expectedTail: Uint8Array,
  offset: number,
): AsyncGenerator<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    keys.cipherKey as Uint8Array<ArrayBuffer>,
    'AES-CBC',
    false,
    ['encrypt'],
  );
  // A producer encrypts the next batches (WebCrypto works off the main thread in Node) while
  // this generator hands the current one to the network.
  const queue: Uint8Array[] = [];
  let finished = false;
  let failure: unknown;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const notify = (): void => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const push = async (out: Uint8Array): Promise<void> => {
    queue.push(out);
    notify();
    while (queue.length >= BATCHES_AHEAD && !stopped) {
      await new Promise<void>((resolve) => {
        wakeProducer = resolve;
      });
    }
  };
  const produce = async (): Promise<void> => {
    let chain: Uint8Array<ArrayBuffer> = keys.iv.slice();
    // WebCrypto pads every call; the extra last block of a whole-block input is dropped, and
    // the last ciphertext block chains into the next call as its iv.
    const encrypt = async (plain: Uint8Array<ArrayBuffer>): Promise<Uint8Array> =>
      new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: chain }, key, plain));
    // WebCrypto copies its input when called (the spec says so), so one batch buffer serves
    // every call: no 1 MiB allocation per batch for the garbage collector.
    const batch = new Uint8Array(CBC_BATCH);
    let filled = 0;
    try {
      for await (const chunk of source.open()) {
        if (stopped) return;
        let rest = checkChunk(chunk);
        if (filled === 0 && rest.length === CBC_BATCH) {
          // A read of exactly one batch (fileSource reads 1 MiB) goes to WebCrypto uncopied.
          const out = (await encrypt(rest as Uint8Array<ArrayBuffer>)).subarray(0, CBC_BATCH);
          chain = out.slice(CBC_BATCH - 16);
          await push(out);
          if (stopped) return;
          continue;
        }
        while (rest.length > 0) {
          const take = Math.min(rest.length, CBC_BATCH - filled);
          batch.set(rest.subarray(0, take), filled);
          filled += take;
          rest = rest.subarray(take);
          if (filled === CBC_BATCH) {
            const out = (await encrypt(batch)).subarray(0, CBC_BATCH);
            chain = out.slice(CBC_BATCH - 16);
            filled = 0;
            await push(out);
            if (stopped) return;
          }
        }
      }
      // The final call keeps WebCrypto's padding: its last block must equal the hashing pass's.
      const last = await encrypt(batch.slice(0, filled));
      if (!equalBytes(last.subarray(last.length - 16), expectedTail.subarray(0, 16))) {
        throw new MediaUploadError(
          'source-failed',
          'The source changed between the hashing and the upload pass',
        );
      }
      await push(last);
      await push(expectedTail.subarray(16));
    } catch (error) {
      failure = error;
    } finally {
      finished = true;
      notify();
    }
  };
  const producing = produce();
  let position = 0;
  try {
    for (;;) {
      const out = queue.shift();
      if (out !== undefined) {
        const wake = wakeProducer;
        wakeProducer = undefined;
        wake?.();
        const end = position + out.length;
        if (end > offset) yield* slices(position >= offset ? out : out.subarray(offset - position));
        position = end;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    await producing;
  }
}

/** True when `error` or one of its causes is our `source-failed` (transport copies causes by name and code). */
function isSourceFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const { name, code } = current as { name?: unknown; code?: unknown };
    if (name === 'MediaUploadError' && code === 'source-failed') return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Body pieces handed to the transport: one WebCrypto batch per write means fewer trips through
 * the body stream and fewer socket writes, yet progress, pause and backpressure still act
 * every MiB.
 */
const BODY_SLICE = 1024 * 1024;

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += BODY_SLICE) {
    yield bytes.subarray(start, Math.min(bytes.length, start + BODY_SLICE));
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Waits before asking the resume probe again after a cut POST (at most 0.85 s in all). */
const REPROBE_DELAYS_MS: readonly number[] = [100, 250, 500];

class UploadRun {
  readonly #context: UploadEngineContext;
  readonly #blob: PreparedBlob;
  readonly #uploadPath: string;
  readonly #control: TransferControl;
  readonly #token: string;
  readonly #attempts: TransferAttempt[] = [];
  #authRefreshed = false;
  /** Start offset and end of what the POST under way handed to the socket. */
  #posting: { start: number; sent: number } | undefined;
  /** Per host: the offset a POST started from that was cut (paused, aborted, network error). */
  readonly #cutFrom = new Map<string, number>();

  constructor(
    context: UploadEngineContext,
    blob: PreparedBlob,
    uploadPath: string,
    control: TransferControl,
  ) {
    this.#context = context;
    this.#blob = blob;
    this.#uploadPath = uploadPath;
    this.#control = control;
    this.#token = mediaUploadToken(blob.info.fileEncSha256);
  }

  async run(): Promise<UploadReply> {
    passes: for (;;) {
      await this.#control.checkpoint();
      let hosts: string[];
      let auth: string;
      let conn: MediaConn;
      try {
        conn = await this.#context.mediaConn.get({ signal: this.#control.signal });
        hosts = this.#context.mediaConn.hostOrder(conn);
        auth = conn.auth;
      } catch (error) {
        if (this.#control.interrupted) continue;
        throw error;
      }
      for (const host of hosts) {
        let retries = 0;
        for (;;) {
          await this.#control.checkpoint();
          const url = (extra: { resumeProbe?: boolean; fileOffset?: number } = {}): string =>
            buildUploadUrl({
              host,
              uploadPath: this.#uploadPath,
              token: this.#token,
              auth,
              scheme: this.#context.scheme,
              ...extra,
            });
          try {
            let offset = 0;
            if (this.#blob.length >= RESUMABLE_UPLOAD_THRESHOLD) {
              const probe = await this.#settledProbe(host, url({ resumeProbe: true }));
              if (probe.kind === 'complete') {
                this.#control.reportProgress(this.#blob.length, this.#blob.length);
                return probe;
              }
              if (probe.kind === 'resume') offset = probe.offset;
            }
            return await this.#post(offset === 0 ? url() : url({ fileOffset: offset }), offset);
          } catch (error) {
            const posting = this.#posting;
            this.#posting = undefined;
            // Cut mid-body (an HTTP answer means the CDN read the request to its end).
            if (
              posting !== undefined &&
              posting.sent > posting.start &&
              !isHttpStatusError(error)
            ) {
              this.#cutFrom.set(host, posting.start);
            }
            if (this.#control.interrupted) continue; // paused: resume probes again for the offset
            const verdict = classifyCdnFailure(error);
            this.#attempts.push({
              url: safeUrl(url()),
              error,
              ...('status' in verdict && verdict.status !== undefined
                ? { status: verdict.status }
                : {}),
            });
            if (isSourceFailure(error)) {
              // The source broke or changed mid-upload: another host would get the same bytes.
              throw new MediaUploadError(
                'source-failed',
                'The upload source failed or changed during the upload',
                {
                  attempts: this.#attempts,
                  cause: error,
                },
              );
            }
            if (verdict.action === 'refresh-auth') {
              if (this.#authRefreshed) {
                throw new MediaUploadError(
                  'auth-failed',
                  `CDN refused the credentials (HTTP ${verdict.status})`,
                  {
                    attempts: this.#attempts,
                    cause: error,
                  },
                );
              }
              this.#authRefreshed = true;
              // Only if still cached: concurrent operations must not drop each other's refresh.
              this.#context.mediaConn.invalidate(conn);
              continue passes;
            }
            if (verdict.action === 'retry-same-host') {
              retries += 1;
              const delay = retryDelay(this.#context.retry, retries, verdict.delayMs);
              if (delay !== null) {
                await sleep(delay, this.#control.signal).catch(() => {});
                continue;
              }
            }
            if (verdict.action === 'not-found') this.#context.mediaConn.invalidate(conn);
            break; // next host
          }
        }
      }
      throw new MediaUploadError(
        'all-hosts-failed',
        `No host took the upload (${this.#attempts.length} tries)`,
        {
          attempts: this.#attempts,
          cause: this.#attempts.at(-1)?.error,
        },
      );
    }
  }

  /**
   * The resume probe, asked again a few times (bounded: {@link REPROBE_DELAYS_MS}) right after
   * a POST to this host was cut after sending bytes: the CDN may still be reading the cut
   * request, and until it has ended it answers 404 or the offset that POST started from. Without
   * this, each pause/resume in quick succession would re-send the whole blob. An offset past
   * the cut POST's start is taken at once (how much arrived is the CDN's to say: bytes still in
   * socket buffers when the request was cut never did).
   */
  async #settledProbe(host: string, url: string): Promise<ReturnType<typeof parseResumeProbe>> {
    let probe = await this.#probe(url);
    const cutFrom = this.#cutFrom.get(host);
    if (cutFrom === undefined) return probe;
    for (const delayMs of REPROBE_DELAYS_MS) {
      if (probe.kind === 'complete') break;
      if (probe.kind === 'resume' && probe.offset > cutFrom) break;
      await sleep(delayMs, this.#control.signal);
      probe = await this.#probe(url);
    }
    this.#cutFrom.delete(host);
    return probe;
  }

  /** docs/protocol.md §4: never fatal; anything unexpected means "upload in full". */
  async #probe(url: string): Promise<ReturnType<typeof parseResumeProbe>> {
    try {
      const response = await this.#context.http.request({
        method: 'POST',
        url,
        headers: { ...CDN_HEADERS, 'Content-Type': 'application/octet-stream' },
        body: new Uint8Array(0),
        signal: this.#control.signal,
      });
      const text = await readText(response, { maxBytes: 64 * 1024 }).catch(() => '');
      return parseResumeProbe(response.status, text, this.#blob.length);
    } catch (error) {
      if (this.#control.interrupted) throw error;
      return { kind: 'not-found' };
    }
  }

  async #post(url: string, offset: number): Promise<UploadReply> {
    const total = this.#blob.length;
    const posting = { start: offset, sent: offset };
    this.#posting = posting;
    const response = await this.#context.http.request({
      method: 'POST',
      url,
      headers: { ...CDN_HEADERS, 'Content-Type': 'application/octet-stream' },
      body: offset === 0 && total < 1 ? new Uint8Array(0) : this.#blob.read(offset),
      contentLength: total - offset,
      signal: this.#control.signal,
      onUploadProgress: (progress) => {
        posting.sent = offset + progress.transferredBytes;
        this.#control.reportProgress(posting.sent, total);
      },
    });
    await assertOk(response);
    let json: unknown;
    try {
      json = await readJson(response, { maxBytes: 1024 * 1024 });
      return parseUploadReply(json);
    } catch (error) {
      throw new MediaUploadError(
        'bad-reply',
        'The CDN accepted the upload but its reply is invalid',
        {
          cause: error,
        },
      );
    }
  }
}
