// Keep the media a Baileys socket receives. Every incoming message with media is registered
// with the store, which downloads it (verified), keeps the file, retries with backoff, and —
// through the same socket — asks the sender's phone to upload it again when it has left the
// CDN. Nothing else in your bot changes:
//
//   const sock = makeWASocket({ auth: state });
//   const archive = await main({ sock, dataDir: './media-store' });
//   …
//   (await archive.store.list()).filter((record) => record.status === 'downloaded');
//
// (`pnpm test` runs it with a stand-in socket wired to the emulator; see the test.)
import {
  type BaileysSocketLike,
  fromBaileysSocket,
  type MediaClientOptions,
} from '@wa-media/client';
import { createNodeMediaClient } from '@wa-media/client/node';
import { getMediaContent, normalizeMessageInput } from '@wa-media/protocol';
import { createMediaStore, type MediaStore } from '@wa-media/store';
import type { BaileysEventMap, WAMessage } from 'baileys';

export interface ArchiveOptions {
  /** The Baileys socket (`makeWASocket(…)`): `ev`, `ws`, `query`, `sendNode`, `user`. */
  sock: BaileysSocketLike;
  /** Where the store keeps its records and files. */
  dataDir: string;
  /** CDN settings: only the emulator needs them (`{ scheme: 'http' }`). */
  cdn?: MediaClientOptions['cdn'];
  /** A message that could not be registered. @default console.error */
  onError?: (error: unknown, message: WAMessage) => void;
}

export interface MediaArchive {
  store: MediaStore;
  /** Stops listening, then closes the store (downloads in flight go back to its queue). */
  close(): Promise<void>;
}

type MessagesUpsert = BaileysEventMap['messages.upsert'];

export async function main(options: ArchiveOptions): Promise<MediaArchive> {
  const signaling = fromBaileysSocket(options.sock);
  const client = createNodeMediaClient({
    signaling,
    ...(options.cdn === undefined ? {} : { cdn: options.cdn }),
  });
  const store = await createMediaStore({ client, dataDir: options.dataDir });
  const onError = options.onError ?? ((error: unknown) => console.error(error));

  const archive = async (received: WAMessage): Promise<void> => {
    // Baileys' WAMessage as it is: its key says msgId / chatJid / isFromMe / participant.
    if (getMediaContent(normalizeMessageInput(received).message) === undefined) return;
    await store.register(received);
  };
  const onUpsert = (upsert: unknown): void => {
    for (const received of (upsert as MessagesUpsert).messages) {
      archive(received).catch((error: unknown) => onError(error, received));
    }
  };
  options.sock.ev?.on('messages.upsert', onUpsert);

  return {
    store,
    async close() {
      options.sock.ev?.off('messages.upsert', onUpsert);
      await store.close();
      client.close();
      signaling.close();
    },
  };
}
