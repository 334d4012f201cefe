// A store on the emulator with the real client and a webhook receiver, for the store's tests.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeMediaClient } from '@wa-media/client/node';
import { type Emulator, startEmulator } from '@wa-media/emulator';
import type { StoreMediaClient } from '../client-port.js';
import { createMediaStore, type MediaStore, type MediaStoreOptions } from '../store.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

export const OWN_JID = '15550001111:2@s.whatsapp.net';
export const WEBHOOK_SECRET = 'webhook-secret-0123456789';
export const API_TOKEN = 'api-token-0123456789abcdef';

export interface Harness {
  emulator: Emulator;
  client: CountingClient;
  receiver: WebhookReceiver;
  dataDir: string;
  store: MediaStore;
  /** Opens a new store on the same data directory (after `store.close()`). */
  reopen(overrides?: Partial<MediaStoreOptions>): Promise<MediaStore>;
  blobFiles(): Promise<string[]>;
  close(): Promise<void>;
}

/** The store's client, counting downloadToFile calls. */
export interface CountingClient extends StoreMediaClient {
  readonly calls: number;
}

/** The real @wa-media/client over the emulator (signalling in-process, CDN over http). */
export function createTestClient(emulator: Emulator): CountingClient {
  const signaling = emulator.signaling({ ownJid: OWN_JID });
  const inner: StoreMediaClient = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true, defaultHosts: emulator.hostnames },
    retry: { sameHostRetries: 0, baseDelayMs: 10, maxDelayMs: 50 },
    reuploadTimeoutMs: 5000,
  });
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    downloadToFile(message, path, options) {
      calls++;
      return inner.downloadToFile(message, path, options);
    },
  };
}

export async function startHarness(overrides: Partial<MediaStoreOptions> = {}): Promise<Harness> {
  const emulator = await startEmulator({ hosts: 2, control: false });
  const client = createTestClient(emulator);
  const receiver = await startWebhookReceiver();
  const dataDir = await mkdtemp(join(tmpdir(), 'wa-media-store-'));
  const options: MediaStoreOptions = {
    client,
    dataDir,
    webhook: { url: receiver.url, secret: WEBHOOK_SECRET, baseDelayMs: 50, maxDelayMs: 200 },
    retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
    hostDelayMs: 0,
    ...overrides,
  };
  const harness: Harness = {
    emulator,
    client,
    receiver,
    dataDir,
    store: await createMediaStore(options),
    async reopen(more = {}) {
      harness.store = await createMediaStore({ ...options, ...more });
      return harness.store;
    },
    async blobFiles() {
      return (await readdir(join(dataDir, 'blobs'))).sort();
    },
    async close() {
      await harness.store.close();
      await receiver.close();
      await emulator.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Polls until `check` returns a value other than undefined. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
