// A `wa-media serve --emulator`-like process for crash and many-node tests: opens a store in
// WA_STORE_DATA_DIR (on PostgreSQL when WA_STORE_DATABASE is set), downloads from the emulator
// named by the env, serves the HTTP API and prints one JSON line `{"url": …}` once listening.
// Run with `node --import tsx serve-fixture.ts` (see served-store.ts).
import { createNodeMediaClient } from '@wa-media/client/node';
import { connectEmulatorSignaling } from '@wa-media/emulator';
import type { StoreMediaClient } from '../client-port.js';
import { createMediaStore } from '../store.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

// A permissive umask (WA_STORE_UMASK=0) shows the store's files are private by its own doing.
if (process.env.WA_STORE_UMASK !== undefined)
  process.umask(Number.parseInt(process.env.WA_STORE_UMASK, 8));

const signaling = await connectEmulatorSignaling(env('WA_STORE_EMULATOR_CONTROL_URL'), {
  token: env('WA_STORE_EMULATOR_CONTROL_TOKEN'),
  ownJid: env('WA_STORE_OWN_JID'),
});
// What `wa-media serve --emulator` does: the real client, its signalling and CDN on the emulator.
const inner: StoreMediaClient = createNodeMediaClient({
  signaling,
  cdn: { scheme: 'http', allowPrivateAddresses: true },
});
// Counts this node's downloads, printed on an orderly stop (`{"downloads": n}`).
let downloads = 0;
const client: StoreMediaClient = {
  downloadToFile(message, path, options) {
    downloads++;
    return inner.downloadToFile(message, path, options);
  },
};
const database = process.env.WA_STORE_DATABASE;
const leaseMs = process.env.WA_STORE_LEASE_MS;
const concurrency = process.env.WA_STORE_CONCURRENCY;
const store = await createMediaStore({
  client,
  dataDir: env('WA_STORE_DATA_DIR'),
  ...(database === undefined ? {} : { database }),
  ...(leaseMs === undefined
    ? {}
    : { sharedQueue: { leaseMs: Number(leaseMs), pollIntervalMs: Number(leaseMs) / 2 } }),
  ...(concurrency === undefined ? {} : { concurrency: Number(concurrency) }),
  onError: (event) => process.stderr.write(`store ${event.context}: ${String(event.error)}\n`),
  webhook: {
    url: env('WA_STORE_WEBHOOK_URL'),
    secret: env('WA_STORE_WEBHOOK_SECRET'),
    baseDelayMs: 50,
    maxDelayMs: 200,
  },
  retry: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 200 },
  hostDelayMs: 0,
});
const server = await store.listen({ token: env('WA_STORE_API_TOKEN'), port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

const stop = async (): Promise<void> => {
  await store.close();
  process.stdout.write(`${JSON.stringify({ downloads })}\n`);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
