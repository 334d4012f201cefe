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
import { decodeMessage, getMediaContent } from '@wa-media/protocol';
import { createMediaStore, type MediaStore } from '@wa-media/store';
import { type BaileysEventMap, proto, type WAMessage } from 'baileys';

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
    const { key } = received;
    if (received.message == null || !key.id || !key.remoteJid) return;
    // Baileys' protobuf object → wa-media's: through the wire format, so nothing is lost.
    const message = decodeMessage(proto.Message.encode(received.message).finish());
    if (getMediaContent(message) === undefined) return; // text, reactions, …
    await store.register(message, {
      msgId: key.id,
      chatJid: key.remoteJid,
      isFromMe: key.fromMe === true,
      ...(key.participant ? { participant: key.participant } : {}),
    });
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
