// A `wa-media serve --emulator`-like process for crash tests: opens a store in
// WA_STORE_DATA_DIR, downloads from the emulator named by the env, serves the HTTP API and
// prints one JSON line `{"url": …}` once listening. Run with `node --import tsx serve-fixture.ts`.
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
const client: StoreMediaClient = createNodeMediaClient({ signaling, cdn: { scheme: 'http' } });
const store = await createMediaStore({
  client,
  dataDir: env('WA_STORE_DATA_DIR'),
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
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
