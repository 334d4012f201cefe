// Test harness: a real emulator (CDN servers on 127.0.0.1 + signalling peer) and a client
// talking to it over plain http. Nothing is mocked.

import {
  type EncryptedMediaType,
  type EncryptedMediaWithKey,
  encryptMedia,
  mediaTypeInfo,
} from '@wa-media/crypto';
import {
  type Emulator,
  type EmulatorMedia,
  type EmulatorOptions,
  startEmulator,
} from '@wa-media/emulator';
import type { BinaryNode, MediaSignaling } from '@wa-media/protocol';
import type { HttpClient } from '@wa-media/transport';
import { createNodeHttpClient } from '@wa-media/transport/node';
import { createMediaClient, type MediaClient, type MediaClientOptions } from '../client.js';
import type { DownloadParams } from '../download/downloadable.js';
import { isMediaDownloadError, type MediaDownloadError } from '../errors.js';
import type { DisconnectAwareSignaling } from '../signaling/signaling.js';

export const OWN_JID = '15550001111:2@s.whatsapp.net';

/** A signalling wrapper that counts media_conn IQs and can report disconnects. */
export interface CountingSignaling extends DisconnectAwareSignaling {
  readonly mediaConnQueries: number;
  disconnect(): void;
}

export function countingSignaling(inner: MediaSignaling): CountingSignaling {
  let mediaConnQueries = 0;
  const listeners = new Set<() => void>();
  return {
    get mediaConnQueries() {
      return mediaConnQueries;
    },
    query(node: BinaryNode, options) {
      if (Array.isArray(node.content) && node.content.some((child) => child.tag === 'media_conn')) {
        mediaConnQueries += 1;
      }
      return inner.query(node, options);
    },
    send: (node) => inner.send(node),
    waitFor: (match, options) => inner.waitFor(match, options),
    ownJid: () => inner.ownJid(),
    onDisconnect(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    disconnect() {
      for (const listener of listeners) listener();
    },
  };
}

export interface Harness {
  emulator: Emulator;
  signaling: CountingSignaling;
  client: MediaClient;
  http: HttpClient;
  makeClient(options?: Partial<MediaClientOptions>): MediaClient;
  close(): Promise<void>;
}

export async function startHarness(
  emulatorOptions: EmulatorOptions = {},
  clientOptions: Partial<MediaClientOptions> = {},
): Promise<Harness> {
  const emulator = await startEmulator({ control: false, ...emulatorOptions });
  const signaling = countingSignaling(emulator.signaling({ ownJid: OWN_JID }));
  const http = createNodeHttpClient();
  const makeClient = (options: Partial<MediaClientOptions> = {}): MediaClient =>
    createMediaClient({
      signaling,
      http,
      cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: emulator.hostnames },
      retry: { baseDelayMs: 5, maxDelayMs: 2000 },
      ...clientOptions,
      ...options,
    });
  return {
    emulator,
    signaling,
    http,
    client: makeClient(),
    makeClient,
    close: () => emulator.close(),
  };
}

/** A blob encrypted from {@link testBytes} and stored on the emulator, with its download params. */
export interface SeededMedia {
  plain: Uint8Array<ArrayBuffer>;
  encrypted: EncryptedMediaWithKey;
  stored: EmulatorMedia;
  params: DownloadParams & Pick<EncryptedMediaWithKey, 'mediaKey' | 'fileSha256' | 'fileEncSha256'>;
}

/**
 * Encrypts `size` test bytes and stores the blob on the emulator under the type's mms-type.
 * `fileLength: false` leaves the length out of the params, as some senders do (the client then
 * cannot size the transfer up front, e.g. for worker hashing).
 */
export function seedMedia(
  emulator: Emulator,
  size: number,
  options: {
    type?: EncryptedMediaType;
    seed?: number;
    sidecar?: boolean;
    fileLength?: boolean;
  } = {},
): SeededMedia {
  const { type = 'image', seed = 1, sidecar = false, fileLength = true } = options;
  const plain = testBytes(size, seed);
  const encrypted = encryptMedia(plain, type, { sidecar });
  const stored = emulator.putMedia(encrypted.data, { mmsType: mediaTypeInfo(type).mmsType });
  const params: SeededMedia['params'] = {
    type,
    directPath: stored.directPath,
    mediaKey: encrypted.mediaKey,
    fileSha256: encrypted.fileSha256,
    fileEncSha256: encrypted.fileEncSha256,
    ...(fileLength ? { fileLength: size } : {}),
    ...(encrypted.streamingSidecar === undefined
      ? {}
      : { streamingSidecar: encrypted.streamingSidecar }),
  };
  return { plain, encrypted, stored, params };
}

/** The MediaDownloadError `promise` rejects with; fails the test on anything else. */
export async function downloadFailure(promise: PromiseLike<unknown>): Promise<MediaDownloadError> {
  const error = await Promise.resolve(promise).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMediaDownloadError(error)) {
    throw new Error(`expected a MediaDownloadError, got ${String(error)}`);
  }
  return error;
}

/**
 * Resolves once the emulator is serving a CDN request (its `whenIdle()` stays pending): the
 * request really reached it. Client-side progress does not show that, since the emulator runs
 * on the same event loop and may not have read the bytes yet.
 */
export async function emulatorServing(emulator: Emulator, timeoutMs = 20_000): Promise<void> {
  await until(
    async () =>
      !(await Promise.race([
        emulator.whenIdle().then(() => true),
        new Promise<boolean>((resolve) => setImmediate(() => resolve(false))),
      ])),
    'the emulator to serve a request',
    timeoutMs,
  );
}

/** Polls `condition` (every few ms) until it holds; fails after `timeoutMs` naming `what`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Deterministic pseudo-random bytes (fast, no crypto needed for test data). */
export function testBytes(length: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

/** An in-memory MediaWriter that records how it was rewound. */
export class MemoryWriter {
  #buffer: Uint8Array = new Uint8Array(1024);
  length: number = 0;
  position: number = 0;
  truncates: number = 0;
  seeks: number = 0;
  maxLength: number = 0;

  get data(): Uint8Array {
    return this.#buffer.subarray(0, this.length);
  }

  write(chunk: Uint8Array): void {
    const end = this.position + chunk.length;
    if (end > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(end, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.position);
    this.position = end;
    this.length = Math.max(this.length, end);
    this.maxLength = Math.max(this.maxLength, end);
  }

  seek(offset: number): void {
    this.seeks += 1;
    this.position = offset;
  }

  truncate(length: number): void {
    this.truncates += 1;
    this.length = Math.min(this.length, length);
  }

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.length);
  }
}
