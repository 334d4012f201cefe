// Run the media store as a service: the programmatic `wa-media serve`. It keeps inbound media
// (downloaded, verified, re-requested from the sender's phone once the CDN dropped it) and
// serves an HTTP API modelled on the WhatsApp Business API's media endpoints. The other
// functions are what a client of that API does: register a message, wait, fetch the bytes.
//
// Against the emulator (`wa-media emulator` prints its control URL and token):
//   WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… STORE_API_TOKEN=… pnpm exec tsx store-server.ts ./media-store
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createNodeMediaClient } from '@wa-media/client/node';
import { connectEmulatorSignaling } from '@wa-media/emulator';
import { encodeMessage, type Message } from '@wa-media/protocol';
import { createMediaStore, type MediaStore } from '@wa-media/store';

export interface StoreServerOptions {
  emulator: { url: string; token: string };
  /** Records, queue and files live here (created if missing). */
  dataDir: string;
  /** Bearer token of the API (at least 16 characters). */
  apiToken: string;
  /** @default 0 (a free port) */
  port?: number;
}

export interface StoreServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  store: MediaStore;
  /** Stops the API and the store (downloads in flight go back to the queue). */
  close(): Promise<void>;
}

export async function main(options: StoreServerOptions): Promise<StoreServer> {
  const signaling = await connectEmulatorSignaling(options.emulator.url, {
    token: options.emulator.token,
    ownJid: '15550001111:2@s.whatsapp.net',
  });
  const client = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true },
  });
  const store = await createMediaStore({ client, dataDir: options.dataDir });
  const api = await store.listen({ token: options.apiToken, port: options.port ?? 0 });
  return {
    url: api.url,
    store,
    async close() {
      await store.close(); // also closes the API
      client.close();
      signaling.close();
    },
  };
}

/** The API's address and bearer token. */
export interface StoreApiEndpoint {
  url: string;
  token: string;
}

/** Who sent the message and where (what a media retry needs). */
export interface MessageKey {
  msgId: string;
  chatJid: string;
  isFromMe: boolean;
  participant?: string;
}

async function call(
  api: StoreApiEndpoint,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const response = await fetch(`${api.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { errors?: { details?: string }[] };
    throw new Error(`${path}: HTTP ${response.status} ${body.errors?.[0]?.details ?? ''}`.trim());
  }
  return response;
}

/** `POST /v1/media`: registers a received message; the same key gives the same id. */
export async function registerMedia(
  api: StoreApiEndpoint,
  message: Message,
  key: MessageKey,
): Promise<string> {
  const body = { message: Buffer.from(encodeMessage(message)).toString('base64'), ...key };
  const response = await call(api, '/v1/media', { method: 'POST', body: JSON.stringify(body) });
  const { media_items } = (await response.json()) as { media_items: { id?: string }[] };
  const id = media_items[0]?.id;
  if (id === undefined) throw new Error('/v1/media: the answer carries no media id');
  return id;
}

/** Polls `GET /v1/media/{id}/status` until the media is stored (or failed for good). */
export async function waitUntilStored(
  api: StoreApiEndpoint,
  id: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await call(api, `/v1/media/${id}/status`);
    const [record] = ((await response.json()) as { media_items: Record<string, unknown>[] })
      .media_items;
    if (record?.status === 'downloaded') return record;
    if (record?.status === 'failed')
      throw new Error(`media ${id} failed: ${JSON.stringify(record.errors)}`);
    if (Date.now() > deadline) throw new Error(`media ${id} still ${String(record?.status)}`);
    await sleep(100);
  }
}

/** `GET /v1/media/{id}`: the verified bytes (streamed; buffered here for brevity). */
export async function fetchMedia(api: StoreApiEndpoint, id: string): Promise<Uint8Array> {
  const response = await call(api, `/v1/media/${id}`);
  return new Uint8Array(await response.arrayBuffer());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.WA_MEDIA_EMULATOR_URL;
  const token = process.env.WA_MEDIA_EMULATOR_TOKEN;
  const apiToken = process.env.STORE_API_TOKEN;
  if (url === undefined || !token || apiToken === undefined || apiToken.length < 16) {
    console.error(
      'usage: WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… STORE_API_TOKEN=<16+ chars> tsx store-server.ts [DATA_DIR]',
    );
    process.exit(2);
  }
  const server = await main({
    emulator: { url, token },
    dataDir: process.argv[2] ?? './media-store',
    apiToken,
    port: 8080,
  });
  console.log(`store API on ${server.url} (Ctrl-C stops it)`);
  process.once('SIGINT', () => void server.close());
}
