// The media_conn cache of docs/protocol.md §3: one refresh in flight at a time (single flight),
// fresh while younger than min(ttl, auth_ttl), dropped on disconnect and when the CDN answers
// 401/403/404/410. It lives in the client so every upload and download shares it.

import {
  buildMediaConnIq,
  isMediaConnFresh,
  type MediaConn,
  type MediaSignaling,
  mediaConnHostOrder,
  parseMediaConn,
} from '@wa-media/protocol';
import { MediaConnFetchError } from '../errors.js';
import { withAbort } from '../internal/abort.js';

/** `client.mediaConn`: the shared media connection. */
export interface MediaConnManager {
  /**
   * The cached connection while fresh, else a new one (concurrent callers share one query).
   * @throws {MediaConnFetchError} `no-signaling` without signalling; `query-failed` when the IQ fails.
   */
  get(options?: { forceRefresh?: boolean; signal?: AbortSignal }): Promise<MediaConn>;
  /**
   * Drops the cached connection; the next `get` queries again (a query already in flight is
   * not handed to later callers). With `failed`, only when that connection is still the cached
   * one: an operation whose request failed with an old connection does not drop the one another
   * operation just fetched (no refresh storms).
   */
  invalidate(failed?: MediaConn): void;
  /** The cached connection if any (fresh or not), without querying. Contains the secret `auth`. */
  peek(): MediaConn | undefined;
  /** Hostnames in the order to try: each host then its fallback_hostname. */
  hostOrder(conn: MediaConn): string[];
}

/** Options of {@link MediaConnCache}. */
export interface MediaConnCacheOptions {
  signaling: MediaSignaling | undefined;
  /** Timeout of the media_conn IQ. @default 20_000 */
  queryTimeoutMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** The implementation behind `client.mediaConn`. */
export class MediaConnCache implements MediaConnManager {
  readonly #signaling: MediaSignaling | undefined;
  readonly #queryTimeoutMs: number;
  readonly #now: () => number;
  #conn: MediaConn | undefined;
  #inflight: Promise<MediaConn> | undefined;
  /** The generation the in-flight query started in. */
  #inflightGeneration = -1;
  /**
   * Bumped by invalidate(): a refresh started before it neither repopulates the cache nor is
   * handed to callers that arrive after it.
   */
  #generation = 0;

  constructor(options: MediaConnCacheOptions) {
    this.#signaling = options.signaling;
    this.#queryTimeoutMs = options.queryTimeoutMs ?? 20_000;
    this.#now = options.now ?? Date.now;
  }

  get(options: { forceRefresh?: boolean; signal?: AbortSignal } = {}): Promise<MediaConn> {
    const conn = this.#conn;
    if (
      options.forceRefresh !== true &&
      conn !== undefined &&
      isMediaConnFresh(conn, this.#now())
    ) {
      return Promise.resolve(conn);
    }
    if (options.forceRefresh === true && this.#inflight === undefined) this.invalidate();
    if (this.#inflight === undefined || this.#inflightGeneration !== this.#generation) {
      this.#inflightGeneration = this.#generation;
      this.#inflight = this.#refresh();
    }
    const inflight = this.#inflight;
    // The shared query keeps running for the other callers; only this caller stops waiting.
    return withAbort(inflight, options.signal);
  }

  invalidate(failed?: MediaConn): void {
    if (failed !== undefined && failed !== this.#conn) return;
    this.#conn = undefined;
    this.#generation += 1;
  }

  peek(): MediaConn | undefined {
    return this.#conn;
  }

  hostOrder(conn: MediaConn): string[] {
    return mediaConnHostOrder(conn);
  }

  #refresh(): Promise<MediaConn> {
    const generation = this.#generation;
    const query = this.#query(generation).finally(() => {
      if (this.#inflight === query) this.#inflight = undefined;
    });
    return query;
  }

  async #query(generation: number): Promise<MediaConn> {
    const signaling = this.#signaling;
    if (signaling === undefined) {
      throw new MediaConnFetchError('no-signaling', 'No signalling: cannot query media_conn');
    }
    let conn: MediaConn;
    try {
      const reply = await signaling.query(buildMediaConnIq(), {
        timeoutMs: this.#queryTimeoutMs,
      });
      conn = parseMediaConn(reply, this.#now());
    } catch (error) {
      throw new MediaConnFetchError('query-failed', `media_conn query failed: ${describe(error)}`, {
        cause: error,
      });
    }
    if (generation === this.#generation) this.#conn = conn;
    return conn;
  }
}

function describe(error: unknown): string {
  // Error messages of protocol/transport never contain the auth token (their contract).
  return error instanceof Error ? error.message : String(error);
}
