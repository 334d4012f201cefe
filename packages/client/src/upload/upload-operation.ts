// An upload as the CDN driver sees it: one try of one host is the resume probe (blobs of 5 MiB
// or more, asked again briefly after a cut POST) and the POST of the rest; a source that broke
// or changed ends the upload, since every host would get the same bytes. The host loop itself
// (retries, the one refresh, attempts) is the driver's.

import {
  buildUploadUrl,
  CDN_HEADERS,
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
import { MediaUploadError, type TransferAttempt } from '../errors.js';
import type { CdnFailureCode, CdnOperation, CdnPass, CdnTarget } from '../internal/cdn-driver.js';
import { sleep } from '../internal/cdn-policy.js';
import type { TransferControl } from '../transfers/transfer.js';
import type { PreparedBlob } from './prepared-blob.js';

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

/** Waits before asking the resume probe again after a cut POST (at most 0.85 s in all). */
const REPROBE_DELAYS_MS: readonly number[] = [100, 250, 500];

/** One upload host: its URL with the connection's auth. */
export interface UploadTarget extends CdnTarget {
  readonly host: string;
  readonly auth: string;
}

/** The upload's side of the driver. */
export class UploadOperation implements CdnOperation<UploadReply, UploadTarget> {
  readonly allHostsFailed = 'No host took the upload';
  /** Uploads need media_conn's auth token: there is no fallback host. */
  readonly fallbackHosts: undefined = undefined;
  readonly #http: HttpClient;
  readonly #scheme: 'https' | 'http';
  readonly #blob: PreparedBlob;
  readonly #uploadPath: string;
  readonly #serverThumbGen: boolean;
  readonly #control: TransferControl;
  readonly #token: string;
  /** Start offset and end of what the POST under way handed to the socket. */
  #posting: { start: number; sent: number } | undefined;
  /** Per host: the offset a POST started from that was cut (paused, aborted, network error). */
  readonly #cutFrom = new Map<string, number>();

  constructor(
    context: { readonly http: HttpClient; readonly scheme: 'https' | 'http' },
    blob: PreparedBlob,
    uploadPath: string,
    control: TransferControl,
    serverThumbGen = false,
  ) {
    this.#http = context.http;
    this.#scheme = context.scheme;
    this.#blob = blob;
    this.#uploadPath = uploadPath;
    this.#serverThumbGen = serverThumbGen;
    this.#control = control;
    this.#token = mediaUploadToken(blob.info.fileEncSha256);
  }

  targets(pass: CdnPass): UploadTarget[] {
    const auth = pass.conn?.auth ?? '';
    return pass.hosts.map((host) => ({ host, auth, url: this.#url(host, auth) }));
  }

  async tryOnce(target: UploadTarget, _pass: CdnPass, signal: AbortSignal): Promise<UploadReply> {
    try {
      let offset = 0;
      if (this.#blob.length >= RESUMABLE_UPLOAD_THRESHOLD) {
        const probe = await this.#settledProbe(
          target.host,
          this.#url(target.host, target.auth, { resumeProbe: true }),
          signal,
        );
        if (probe.kind === 'complete') {
          this.#control.reportProgress(this.#blob.length, this.#blob.length);
          return probe;
        }
        if (probe.kind === 'resume') offset = probe.offset;
      }
      const url =
        offset === 0 ? target.url : this.#url(target.host, target.auth, { fileOffset: offset });
      return await this.#post(url, offset, signal);
    } catch (error) {
      const posting = this.#posting;
      this.#posting = undefined;
      // Cut mid-body (an HTTP answer means the CDN read the request to its end).
      if (posting !== undefined && posting.sent > posting.start && !isHttpStatusError(error)) {
        this.#cutFrom.set(target.host, posting.start);
      }
      throw error;
    }
  }

  /** The source broke or changed mid-upload: another host would get the same bytes. */
  stops(error: unknown): ((attempts: readonly TransferAttempt[]) => Error) | undefined {
    if (!isSourceFailure(error)) return undefined;
    return (attempts) =>
      new MediaUploadError(
        'source-failed',
        'The upload source failed or changed during the upload',
        { attempts, cause: error },
      );
  }

  fail(
    code: CdnFailureCode,
    message: string,
    details: { attempts: readonly TransferAttempt[]; cause: unknown },
  ): MediaUploadError {
    return new MediaUploadError(code, message, details);
  }

  #url(host: string, auth: string, extra: { resumeProbe?: boolean; fileOffset?: number } = {}) {
    return buildUploadUrl({
      host,
      uploadPath: this.#uploadPath,
      serverThumbGen: this.#serverThumbGen,
      token: this.#token,
      auth,
      scheme: this.#scheme,
      ...extra,
    });
  }

  /**
   * The resume probe, asked again a few times (bounded: {@link REPROBE_DELAYS_MS}) right after
   * a POST to this host was cut after sending bytes: the CDN may still be reading the cut
   * request, and until it has ended it answers 404 or the offset that POST started from. Without
   * this, each pause/resume in quick succession would re-send the whole blob. An offset past
   * the cut POST's start is taken at once (how much arrived is the CDN's to say: bytes still in
   * socket buffers when the request was cut never did).
   */
  async #settledProbe(
    host: string,
    url: string,
    signal: AbortSignal,
  ): Promise<ReturnType<typeof parseResumeProbe>> {
    let probe = await this.#probe(url, signal);
    const cutFrom = this.#cutFrom.get(host);
    if (cutFrom === undefined) return probe;
    for (const delayMs of REPROBE_DELAYS_MS) {
      if (probe.kind === 'complete') break;
      if (probe.kind === 'resume' && probe.offset > cutFrom) break;
      await sleep(delayMs, signal);
      probe = await this.#probe(url, signal);
    }
    this.#cutFrom.delete(host);
    return probe;
  }

  /** docs/protocol.md §4: never fatal; anything unexpected means "upload in full". */
  async #probe(url: string, signal: AbortSignal): Promise<ReturnType<typeof parseResumeProbe>> {
    try {
      const response = await this.#http.request({
        method: 'POST',
        url,
        headers: { ...CDN_HEADERS, 'Content-Type': 'application/octet-stream' },
        body: new Uint8Array(0),
        signal,
      });
      const text = await readText(response, { maxBytes: 64 * 1024 }).catch(() => '');
      return parseResumeProbe(response.status, text, this.#blob.length);
    } catch (error) {
      if (this.#control.interrupted) throw error;
      return { kind: 'not-found' };
    }
  }

  async #post(url: string, offset: number, signal: AbortSignal): Promise<UploadReply> {
    const total = this.#blob.length;
    const posting = { start: offset, sent: offset };
    this.#posting = posting;
    const response = await this.#http.request({
      method: 'POST',
      url,
      headers: { ...CDN_HEADERS, 'Content-Type': 'application/octet-stream' },
      body: offset === 0 && total < 1 ? new Uint8Array(0) : this.#blob.read(offset),
      contentLength: total - offset,
      signal,
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
