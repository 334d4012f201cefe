// Send a video: the client encrypts it while it streams the file (never loaded whole), uploads
// it resumably (a cut connection continues from the bytes the CDN kept, not from byte 0), and
// the builder wraps the upload in the video message you then send.
//
// Here the WhatsApp side is the emulator (`wa-media emulator` prints its control URL and token):
//   WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… pnpm exec tsx send-video.ts clip.mp4
// With Baileys, use `signaling: fromBaileysSocket(sock)` and no `cdn` option, then send the
// message with `sock.relayMessage(jid, message, { messageId })`.
import { fileURLToPath } from 'node:url';
import { buildVideoMessage, type UploadResult } from '@wa-media/client';
import { createNodeMediaClient, fileSource } from '@wa-media/client/node';
import { connectEmulatorSignaling } from '@wa-media/emulator';
import { encodeMessage, type Message } from '@wa-media/protocol';

/** Where the WhatsApp side is: the emulator's control endpoint. */
export interface EmulatorEndpoint {
  url: string;
  token: string;
}

export interface SendVideoOptions {
  emulator: EmulatorEndpoint;
  /** The video file (read twice: a hashing pass, then the upload pass). */
  path: string;
  caption?: string;
  /** Duration in seconds, as the message shows it. */
  seconds?: number;
  /** The message id: also the transfer's id, so `client.transfers.pause(id)` finds it. */
  messageId?: string;
  /** Bytes the CDN holds so far, and the blob's size. */
  onProgress?: (bytesDone: number, totalBytes: number | null) => void;
}

export interface SentVideo {
  /** The message to send (a proto `Message` with a `videoMessage`). */
  message: Message;
  /** What the upload returned: direct path, media key, hashes, sidecar. */
  upload: UploadResult;
}

const OWN_JID = '15550001111:2@s.whatsapp.net';

export async function main(options: SendVideoOptions): Promise<SentVideo> {
  const signaling = await connectEmulatorSignaling(options.emulator.url, {
    token: options.emulator.token,
    ownJid: OWN_JID,
  });
  // The emulator's CDN hosts speak plain HTTP on 127.0.0.1; WhatsApp's need no `cdn` option.
  const client = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true },
  });
  try {
    const transfer = client.upload(await fileSource(options.path), 'video', {
      ...(options.messageId === undefined ? {} : { id: options.messageId }),
    });
    transfer.on('progress', ({ bytesDone, totalBytes }) => {
      options.onProgress?.(bytesDone, totalBytes);
    });
    const upload = await transfer;
    const message = buildVideoMessage(upload, {
      ...(options.caption === undefined ? {} : { caption: options.caption }),
      ...(options.seconds === undefined ? {} : { seconds: options.seconds }),
    });
    return { message, upload };
  } finally {
    client.close();
    signaling.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [path] = process.argv.slice(2);
  const url = process.env.WA_MEDIA_EMULATOR_URL;
  const token = process.env.WA_MEDIA_EMULATOR_TOKEN;
  if (path === undefined || url === undefined || token === undefined) {
    console.error(
      'usage: WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… tsx send-video.ts FILE',
    );
    process.exit(2);
  }
  const { message, upload } = await main({
    emulator: { url, token },
    path,
    caption: 'sent by wa-media',
    onProgress: (done, total) => process.stderr.write(`\r${done} / ${total ?? '?'} bytes`),
  });
  process.stderr.write('\n');
  console.log(`uploaded ${upload.fileLength} bytes to ${upload.directPath.split('?')[0]}`);
  console.log(`message: ${encodeMessage(message).length} bytes of protobuf`);
}
