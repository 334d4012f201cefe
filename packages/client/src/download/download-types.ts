// The download engine's shared types: the sink bytes go to, what the engine needs from the
// client, one URL's fetcher, the per-operation budget, and the sink's own failure.

import type { DecryptedMediaInfo } from '@wa-media/crypto';
import type { Message } from '@wa-media/protocol';
import type { HttpClient } from '@wa-media/transport';
import type { CdnBudget, LowSpeedRule } from '../internal/cdn-driver.js';
import type { CdnHostRule } from '../internal/cdn-hosts.js';
import type { ResolvedRetryPolicy } from '../internal/cdn-policy.js';
import type { MediaConnCache } from '../media-conn/media-conn-cache.js';
import type { MediaReuploadResult } from '../reupload/reupload-result.js';

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
  /** Carries the host rule on every request (redirects and addresses checked by transport). */
  readonly http: HttpClient;
  /** Which URLs may be fetched at all: a `staticUrl` outside it is ignored. */
  readonly hostRule: CdnHostRule;
  /** Told (for the log) of a `staticUrl` the host rule refused. */
  readonly onRefusedUrl: (url: string) => void;
  /** The bound on a blob whose length the message does not give (`maxBytes`). */
  readonly maxBytes: number;
  /** The most one try of one host may last (`deadlineMs`), if set. */
  readonly attemptDeadlineMs: number | undefined;
  /** The low-speed rule of each try (`lowSpeed`). */
  readonly lowSpeed: LowSpeedRule | undefined;
  readonly mediaConn: MediaConnCache;
  readonly hasSignaling: boolean;
  readonly scheme: 'https' | 'http';
  readonly defaultHosts: readonly string[] | undefined;
  readonly retry: ResolvedRetryPolicy;
  /** Asks the sender's phone to re-upload (automatic media reupload), when configured. */
  readonly reupload: ((signal: AbortSignal) => Promise<MediaReuploadResult>) | undefined;
}

/** The media fields that changed because the sender's phone re-uploaded the media. */
export interface UpdatedMedia {
  /** The new direct path (with its signed query). */
  directPath: string;
  /** The new full URL (`https://mmg.whatsapp.net` + `directPath`). */
  url: string;
}

/** What a finished download proved. */
export type VerifiedDownload = DecryptedMediaInfo & {
  /**
   * Present when the media came back by automatic reupload: the fields to persist so the next
   * download does not ask the phone again (as Baileys' `updateMediaMessage` does).
   */
  updatedMedia?: UpdatedMedia;
  /** The downloaded message with {@link UpdatedMedia} applied, when a message was given. */
  updatedMessage?: Message;
};

/**
 * How one URL is fetched: the whole verified stream (streaming-fetcher.ts) or only the sidecar
 * windows of a range (range-download.ts). The host / status loop is the same for both.
 */
export interface BlobFetcher<R> {
  /** One try of one URL; throws what the request or the verification threw. */
  fetch(url: string, signal: AbortSignal): Promise<R>;
  /** Forget every byte received: the next try starts from byte 0. */
  restart(): Promise<void>;
  /** True when the bytes received so far come from more than one URL (a resume elsewhere). */
  readonly mixedSources: boolean;
  /** Bytes received so far (the low-speed rule watches it); absent: no low-speed rule. */
  bytesReceived?(): number;
}

/**
 * What one download operation may spend, shared when it runs the loop more than once (a range
 * download that falls back to the full blob): the driver's one media_conn refresh, the one
 * media reupload, and the direct path it gave.
 */
export interface DownloadBudget extends CdnBudget {
  reuploaded: boolean;
  directPath: string;
}

/** A sink (writer, stream) error: never the CDN's fault, so never a reason to try another host. */
export class SinkFailure extends Error {
  override name: string = 'SinkFailure';
}
