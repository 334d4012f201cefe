import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { EmulatorClock } from '../clock.js';
import { signedQuery } from './signed-url.js';
import type { UploadRoute } from './upload-routes.js';

/** What the emulated CDN holds for one uploaded object. */
export interface StoredMedia {
  readonly pathname: string;
  /** Path + signed query, exactly as the upload reply's `direct_path`. */
  readonly directPath: string;
  readonly bytes: Buffer;
  readonly sha256: Buffer;
  /** base64url(SHA-256(bytes)): the upload token, and the `hash` download parameter. */
  readonly token: string;
  readonly route: UploadRoute;
  readonly createdAtMs: number;
  /** Also the URL's `oe`. Moved to "now" by `expireMedia`. */
  expiresAtMs: number;
  readonly handle: string | undefined;
}

/** Bytes of an upload that was cut off, kept for resumption (keyed by upload token). */
export interface PartialUpload {
  readonly route: UploadRoute;
  readonly chunks: Buffer[];
  length: number;
}

/** The real CDN answers with URLs on its public host; the emulator keeps that look. */
export const PUBLIC_MEDIA_ORIGIN = 'https://mmg.whatsapp.net';

function digits(length: number): string {
  let out = String(randomInt(1, 10));
  while (out.length < length) out += String(randomInt(0, 10));
  return out;
}

export class MediaStore {
  readonly #secret: Uint8Array;
  readonly #clock: EmulatorClock;
  readonly #ttlMs: number;
  readonly #byPathname = new Map<string, StoredMedia>();
  readonly #latestByToken = new Map<string, StoredMedia>();
  readonly #partials = new Map<string, PartialUpload>();

  constructor(secret: Uint8Array, clock: EmulatorClock, ttlMs: number) {
    this.#secret = secret;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  /** Stores bytes as a new object with a fresh direct path. */
  put(bytes: Buffer, route: UploadRoute, sha256?: Buffer): StoredMedia {
    const hash = sha256 ?? createHash('sha256').update(bytes).digest();
    let pathname: string;
    do {
      pathname = `${route.directPathPrefix}/${digits(9)}_${digits(16)}_n${route.suffix}`;
    } while (this.#byPathname.has(pathname));
    const createdAtMs = this.#clock.now();
    const expiresAtMs = createdAtMs + this.#ttlMs;
    const media: StoredMedia = {
      pathname,
      directPath: `${pathname}?${signedQuery(this.#secret, pathname, expiresAtMs)}`,
      bytes,
      sha256: hash,
      token: hash.toString('base64url'),
      route,
      createdAtMs,
      expiresAtMs,
      handle: route.encrypted ? undefined : randomBytes(24).toString('base64url'),
    };
    this.#byPathname.set(pathname, media);
    this.#latestByToken.set(media.token, media);
    return media;
  }

  byPathname(pathname: string): StoredMedia | undefined {
    return this.#byPathname.get(pathname);
  }

  /** Looks an object up by its direct path (query ignored) or full URL. */
  byDirectPath(directPath: string): StoredMedia | undefined {
    let pathname = directPath;
    if (/^https?:\/\//.test(pathname)) pathname = new URL(pathname).pathname;
    const q = pathname.indexOf('?');
    return this.#byPathname.get(q < 0 ? pathname : pathname.slice(0, q));
  }

  isExpired(media: StoredMedia): boolean {
    return this.#clock.now() >= media.expiresAtMs;
  }

  /** The newest live object uploaded with this token (for the resume probe's "complete"). */
  liveByToken(token: string): StoredMedia | undefined {
    const media = this.#latestByToken.get(token);
    return media === undefined || this.isExpired(media) ? undefined : media;
  }

  partial(token: string): PartialUpload | undefined {
    return this.#partials.get(token);
  }

  setPartial(token: string, partial: PartialUpload): void {
    if (partial.length === 0) this.#partials.delete(token);
    else this.#partials.set(token, partial);
  }

  deletePartial(token: string): void {
    this.#partials.delete(token);
  }

  clear(): void {
    this.#byPathname.clear();
    this.#latestByToken.clear();
    this.#partials.clear();
  }
}
