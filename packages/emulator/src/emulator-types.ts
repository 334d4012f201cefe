// The emulator's public shapes: the options `startEmulator` takes and the running `Emulator`
// (with its hosts and stored media) it hands back.

import type { RequestLogEntry } from './cdn/request-log.js';
import type { EmulatorClock } from './clock.js';
import type { FaultController } from './faults/fault-controller.js';
import type { FaultRule, RandomFaultOptions } from './faults/types.js';
import type { EmulatorSignaling, EmulatorSignalingOptions } from './signaling/in-process.js';
import type { MediaConnOptions, SignalingBehavior } from './signaling/peer.js';
import type { PhoneEmulator } from './signaling/phone.js';

/** One CDN host. JSON-friendly. */
export interface EmulatorHostOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** How media_conn announces it. @default 'primary' for the first host, 'fallback' after */
  type?: 'primary' | 'fallback';
}

/**
 * Options of `startEmulator`. Every field is JSON-friendly, so a CLI can pass a parsed
 * config file as is.
 *
 * @example
 * ```ts
 * const emulator = await startEmulator({ hosts: 2, media: { ttlDays: 14, expiredStatus: 410 } });
 * ```
 */
export interface EmulatorOptions {
  /** CDN hosts: a count, or one entry per host. Each host is its own HTTP server. @default 2 */
  hosts?: number | EmulatorHostOptions[];
  /** media_conn `ttl`, `auth_ttl`, `max_buckets`. */
  mediaConn?: MediaConnOptions;
  /** Reply delays and silences of the signalling peer. */
  signaling?: SignalingBehavior;
  /** Media lifetime and upload limits. */
  media?: {
    /** Days an object stays downloadable (also its URL's `oe`). @default 14 */
    ttlDays?: number;
    /** Status for expired media and past `oe`. @default 404 */
    expiredStatus?: 404 | 410;
    /** Largest accepted upload in bytes (bigger → 413). @default 268435456 (256 MiB) */
    maxUploadBytes?: number;
    /**
     * How long an upload body may wait for its next byte. A client that declares more bytes
     * than it sends and waits gets a 408 after this (the real CDN also drops idle uploads).
     * @default 10000
     */
    uploadIdleTimeoutMs?: number;
  };
  /**
   * The JSON control endpoint (remote signalling, faults, clock, log) on its own port, or
   * `false` for none.
   * @default { port: 0, token: <random> }
   */
  control?:
    | {
        /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
        port?: number;
        /** Bearer token (at least 8 characters). @default 24 random bytes in hex */
        token?: string;
      }
    | false;
  /** Secret that signs direct paths (`oh`). @default 32 random bytes */
  secret?: string;
  /** Emulator clock start, epoch ms. @default real time */
  startTimeMs?: number;
  /** Fault rules installed at start. */
  faults?: FaultRule[];
  /** Random faults from the start. */
  randomFaults?: RandomFaultOptions;
  /** Global bandwidth limit for all CDN bodies together, bytes per second. @default unlimited */
  bandwidthBytesPerSec?: number;
}

/** A running CDN host. */
export interface EmulatorHost {
  /** Position among the emulator's hosts (0 = first), as fault rules and the log name it. */
  readonly index: number;
  /** `127.0.0.1:<port>`, as media_conn announces it (clients use scheme http). */
  readonly hostname: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** How media_conn announces the host. */
  readonly type: 'primary' | 'fallback';
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
}

/** An object stored on the emulated CDN. */
export interface EmulatorMedia {
  /** Path + signed query, as an upload reply's `direct_path`. */
  readonly directPath: string;
  /** `https://mmg.whatsapp.net` + direct path, as an upload reply's `url`. */
  readonly url: string;
  /** base64url(SHA-256(bytes)): the upload token and the download `hash` parameter. */
  readonly token: string;
  /** Blob size in bytes (for encrypted media: ciphertext ‖ mac). */
  readonly size: number;
  /** The upload's mms-type (`image`, `video`, `document`, …). */
  readonly mmsType: string;
  /** When downloads start answering the expired status (emulator clock, epoch ms). */
  readonly expiresAtMs: number;
  /** Set for plaintext (newsletter, product) media. */
  readonly handle?: string;
}

/** A running emulator. Close it with {@link Emulator.close}. */
export interface Emulator {
  /** The CDN hosts, in media_conn order. */
  readonly hosts: readonly EmulatorHost[];
  /** The hosts' `127.0.0.1:<port>` names, in order. */
  readonly hostnames: readonly string[];
  /** Where the JSON control endpoint listens, and its bearer token (a secret). */
  readonly control:
    | {
        /** `http://127.0.0.1:<port>` of the control endpoint. */
        readonly url: string;
        /** Its bearer token (a secret). */
        readonly token: string;
      }
    | undefined;
  /** The emulator's clock: auth and media expiry follow it. */
  readonly clock: EmulatorClock;
  /** Fault injection on the CDN hosts. */
  readonly faults: FaultController;
  /** The emulated sender's phone (answers media retry requests). */
  readonly phone: PhoneEmulator;
  /** Finished CDN requests, oldest first (a copy). */
  readonly log: readonly RequestLogEntry[];
  /** Empties {@link Emulator.log}. */
  clearLog(): void;
  /**
   * Back to a fresh state: log, faults, media, partial uploads, auth tokens, the phone's
   * memory, signalling behaviour and the clock.
   */
  reset(): void;
  /** An upload auth token, as a media_conn reply would hand out (valid min(ttl, auth_ttl)). */
  issueAuth(): string;
  /**
   * An in-process signalling connection (protocol's `MediaSignaling`).
   * @throws {EmulatorError} `bad-option` when `ownJid` is not a JID; `closed` after close().
   */
  signaling(options?: EmulatorSignalingOptions): EmulatorSignaling;
  /** Changes how the signalling peer answers from now on. */
  setSignalingBehavior(behavior: SignalingBehavior): void;
  /**
   * Stores bytes as if uploaded (no HTTP), e.g. to seed a download test.
   * @throws {EmulatorError} `bad-option` for an unknown mms-type.
   */
  putMedia(bytes: Uint8Array, options?: { mmsType?: string }): EmulatorMedia;
  /** Looks an object up by direct path or URL. */
  getMedia(directPath: string): EmulatorMedia | undefined;
  /** Expires one object now (downloads answer the expired status). False if unknown. */
  expireMedia(directPath: string): boolean;
  /** Download URLs of a direct path on every host, in host order (scheme http). */
  downloadUrls(directPath: string): string[];
  /** Resolves once no CDN request is in flight (and every finished one is in the log). */
  whenIdle(): Promise<void>;
  /** Closes every server, socket and signalling connection. Idempotent. */
  close(): Promise<void>;
}
