import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthTokens } from './cdn/auth-tokens.js';
import { type CdnContext, handleCdnClientError, handleCdnRequest } from './cdn/cdn-handler.js';
import { MediaStore, PUBLIC_MEDIA_ORIGIN, type StoredMedia } from './cdn/media-store.js';
import type { RequestLogEntry } from './cdn/request-log.js';
import { routeForMmsType } from './cdn/upload-routes.js';
import { createClock, type EmulatorClock } from './clock.js';
import { startControlServer } from './control/control-server.js';
import { EmulatorError } from './errors.js';
import { type FaultController, Faults } from './faults/fault-controller.js';
import { Pacer } from './faults/pacer.js';
import type { FaultRule, RandomFaultOptions } from './faults/types.js';
import {
  checkOwnJid,
  type EmulatorSignaling,
  type EmulatorSignalingOptions,
  InProcessSignaling,
} from './signaling/in-process.js';
import {
  authLifetimeMs,
  type HostDescription,
  type MediaConnOptions,
  type SignalingBehavior,
  SignalingPeer,
} from './signaling/peer.js';
import { Phone, type PhoneEmulator } from './signaling/phone.js';

/** One CDN host. JSON-friendly. */
export interface EmulatorHostOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** How media_conn announces it. @default 'primary' for the first host, 'fallback' after */
  type?: 'primary' | 'fallback';
}

/**
 * Options of {@link startEmulator}. Every field is JSON-friendly, so a CLI can pass a parsed
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

const DAY_MS = 86_400_000;

function bad(message: string): EmulatorError {
  return new EmulatorError('bad-option', message);
}

function checkPort(port: unknown, name: string): number {
  if (port === undefined) return 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad(`${name} must be an integer 0..65535`);
  }
  return port;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw bad(`${name} must be a positive number`);
  }
  return value;
}

function checkControl(
  control: EmulatorOptions['control'],
): { port: number; token: string } | undefined {
  if (control === false) return undefined;
  if (control !== undefined && (typeof control !== 'object' || control === null)) {
    throw bad('control must be an object or false');
  }
  const port = checkPort(control?.port, 'control.port');
  // Hex, so the token never starts with '-' (a CLI flag value must not look like a flag).
  const token = control?.token ?? randomBytes(24).toString('hex');
  if (typeof token !== 'string' || token.length < 8)
    throw bad('control.token must be at least 8 characters');
  return { port, token };
}

function describe(media: StoredMedia): EmulatorMedia {
  return {
    directPath: media.directPath,
    url: `${PUBLIC_MEDIA_ORIGIN}${media.directPath}`,
    token: media.token,
    size: media.bytes.length,
    mmsType: media.route.mmsType,
    expiresAtMs: media.expiresAtMs,
    ...(media.handle === undefined ? {} : { handle: media.handle }),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Starts a local WhatsApp media CDN (one HTTP server per host on 127.0.0.1) with a signalling
 * peer and, unless disabled, a JSON control endpoint.
 *
 * @throws {EmulatorError} `bad-option` for invalid options (the message names the option).
 * @throws {Error} the listen error (e.g. `EADDRINUSE`) when a fixed port is taken.
 * @example
 * ```ts
 * const emulator = await startEmulator();
 * const signaling = emulator.signaling({ ownJid: '15550001111:2@s.whatsapp.net' });
 * // … point the client at signaling with cdn: { scheme: 'http' } …
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const hostSpecs: EmulatorHostOptions[] =
    options.hosts === undefined
      ? [{}, {}]
      : typeof options.hosts === 'number'
        ? Array.from({ length: options.hosts }, () => ({}))
        : options.hosts;
  if (
    (typeof options.hosts === 'number' && !Number.isInteger(options.hosts)) ||
    !Array.isArray(hostSpecs) ||
    hostSpecs.length < 1 ||
    hostSpecs.length > 16
  ) {
    throw bad('hosts must be a count or a list of 1 to 16 hosts');
  }
  const media = options.media ?? {};
  const expiredStatus = media.expiredStatus ?? 404;
  if (expiredStatus !== 404 && expiredStatus !== 410)
    throw bad('media.expiredStatus must be 404 or 410');
  const ttlMs = positive(media.ttlDays, 'media.ttlDays', 14) * DAY_MS;
  const maxUploadBytes = positive(media.maxUploadBytes, 'media.maxUploadBytes', 256 * 1024 * 1024);
  const uploadIdleTimeoutMs = positive(
    media.uploadIdleTimeoutMs,
    'media.uploadIdleTimeoutMs',
    10_000,
  );
  const mediaConn = {
    ttlSec: positive(options.mediaConn?.ttlSec, 'mediaConn.ttlSec', 300),
    authTtlSec: positive(options.mediaConn?.authTtlSec, 'mediaConn.authTtlSec', 21_600),
    maxBuckets: positive(options.mediaConn?.maxBuckets, 'mediaConn.maxBuckets', 12),
  };
  if (options.startTimeMs !== undefined && !Number.isFinite(options.startTimeMs)) {
    throw bad('startTimeMs must be a number');
  }
  const secret =
    options.secret === undefined ? randomBytes(32) : Buffer.from(String(options.secret), 'utf8');
  // Every option is checked before the first server listens, so a bad one leaves nothing open.
  const hostPlan = hostSpecs.map((spec, index) => {
    const port = checkPort(spec.port, `hosts[${index}].port`);
    const type = spec.type ?? (index === 0 ? 'primary' : 'fallback');
    if (type !== 'primary' && type !== 'fallback')
      throw bad(`hosts[${index}].type must be primary or fallback`);
    return { index, port, type };
  });
  const controlPlan = checkControl(options.control);

  const clock = createClock(options.startTimeMs);
  const store = new MediaStore(secret, clock, ttlMs);
  const auth = new AuthTokens(clock);
  const faults = new Faults();
  for (const rule of options.faults ?? []) faults.add(rule);
  if (options.randomFaults !== undefined) faults.random(options.randomFaults);
  if (options.bandwidthBytesPerSec !== undefined) faults.setBandwidth(options.bandwidthBytesPerSec);
  const phone = new Phone(store, clock);

  let log: RequestLogEntry[] = [];
  let seq = 0;
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  let pacer: Pacer | undefined;

  const cdn: CdnContext = {
    store,
    auth,
    clock,
    faults,
    secret,
    settings: { expiredStatus, maxUploadBytes, uploadIdleTimeoutMs },
    globalPacer() {
      const limit = faults.bandwidth;
      if (limit === null) return undefined;
      if (pacer?.bytesPerSec !== limit) pacer = new Pacer(limit);
      return pacer;
    },
    nextSeq: () => ++seq,
    record: (entry) => log.push(entry),
    inFlight(delta) {
      inFlight += delta;
      if (inFlight === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const wake of waiters) wake();
      }
    },
  };

  const servers: Server[] = [];
  const hosts: EmulatorHost[] = [];
  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.map(closeServer));
  };
  try {
    for (const { index, port, type } of hostPlan) {
      const ref = { index, hostname: '' };
      const server = createServer((req, res) => {
        void handleCdnRequest(cdn, ref, req, res);
      });
      server.on('clientError', handleCdnClientError);
      servers.push(server);
      const bound = await listen(server, port);
      ref.hostname = `127.0.0.1:${bound}`;
      hosts.push({
        index,
        hostname: ref.hostname,
        port: bound,
        type,
        origin: `http://${ref.hostname}`,
      });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  const describeHosts = (): readonly HostDescription[] => hosts;
  const peer = new SignalingPeer(auth, phone, describeHosts, mediaConn, options.signaling ?? {});
  const sessions = new Set<InProcessSignaling>();
  let closed = false;

  const emulator: Emulator = {
    hosts,
    hostnames: hosts.map((host) => host.hostname),
    control: undefined,
    clock,
    faults,
    phone,
    get log() {
      return [...log];
    },
    clearLog() {
      log = [];
    },
    reset() {
      log = [];
      faults.clear();
      store.clear();
      auth.clear();
      phone.clear();
      clock.reset();
      if (options.startTimeMs !== undefined) clock.set(options.startTimeMs);
      peer.setBehavior({
        replyDelayMs: 0,
        mediaConn: 'reply',
        mediaRetry: 'reply',
        ...options.signaling,
      });
    },
    issueAuth() {
      return auth.issue(authLifetimeMs(mediaConn)).auth;
    },
    signaling(signalingOptions = {}) {
      if (closed) throw new EmulatorError('closed', 'the emulator is closed');
      const ownJid = checkOwnJid(signalingOptions.ownJid);
      const session = new InProcessSignaling(peer, ownJid, (self) => sessions.delete(self));
      sessions.add(session);
      return session;
    },
    setSignalingBehavior(behavior) {
      peer.setBehavior(behavior);
    },
    putMedia(bytes, putOptions = {}) {
      const route = routeForMmsType(putOptions.mmsType ?? 'image');
      if (route === undefined)
        throw bad(`mmsType ${JSON.stringify(putOptions.mmsType)} is not known`);
      return describe(store.put(Buffer.from(bytes), route));
    },
    getMedia(directPath) {
      const found = store.byDirectPath(directPath);
      return found === undefined ? undefined : describe(found);
    },
    expireMedia(directPath) {
      const found = store.byDirectPath(directPath);
      if (found === undefined) return false;
      found.expiresAtMs = Math.min(found.expiresAtMs, clock.now());
      return true;
    },
    downloadUrls(directPath) {
      return hosts.map((host) => `${host.origin}${directPath}`);
    },
    whenIdle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const session of [...sessions]) session.close();
      peer.close();
      await closeAll();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    },
  };

  if (controlPlan !== undefined) {
    const { port, token } = controlPlan;
    try {
      const control = await startControlServer({ emulator, peer, port, token });
      servers.push(control.server);
      (emulator as { control: Emulator['control'] }).control = { url: control.url, token };
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }
  return emulator;
}
