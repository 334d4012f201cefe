// Media seeded on the emulator (encrypted, on its CDN, remembered by its phone) and the
// HTTP registration body of each.
import { randomBytes } from 'node:crypto';
import { encryptMedia } from '@wa-media/crypto';
import type { Emulator } from '@wa-media/emulator';
import { encodeMessage, Message } from '@wa-media/protocol';

export interface SeededMedia {
  message: Message;
  plaintext: Uint8Array;
  directPath: string;
  msgId: string;
  chatJid: string;
  mediaKey: Uint8Array;
  fileSha256: Uint8Array;
}

let counter = 0;

/**
 * Encrypts random bytes as an image, puts the blob on the emulated CDN, lets the emulated phone
 * remember it (so media retry can re-upload it) and returns the message that announces it.
 */
export function seedImage(
  emulator: Emulator,
  options: { size?: number; remember?: boolean; chatJid?: string; msgId?: string } = {},
): SeededMedia {
  const plaintext = new Uint8Array(randomBytes(options.size ?? 20_000));
  const encrypted = encryptMedia(plaintext, 'image');
  const msgId =
    options.msgId ??
    `3EB0${(++counter).toString(16).padStart(4, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
  const chatJid = options.chatJid ?? '15550002222@s.whatsapp.net';
  const stored = emulator.putMedia(encrypted.data, { mmsType: 'image' });
  if (options.remember !== false) {
    emulator.phone.remember({
      msgId,
      mediaKey: encrypted.mediaKey,
      directPath: stored.directPath,
      chatJid,
    });
  }
  const message = Message.fromPartial({
    imageMessage: {
      url: stored.url,
      directPath: stored.directPath,
      mimetype: 'image/jpeg',
      mediaKey: encrypted.mediaKey,
      fileSha256: encrypted.fileSha256,
      fileEncSha256: encrypted.fileEncSha256,
      fileLength: BigInt(encrypted.fileLength),
    },
  });
  return {
    message,
    plaintext,
    directPath: stored.directPath,
    msgId,
    chatJid,
    mediaKey: encrypted.mediaKey,
    fileSha256: encrypted.fileSha256,
  };
}

/** `register` options for `media` as a message someone else sent us in its chat. */
export function receivedIn(media: SeededMedia): {
  msgId: string;
  chatJid: string;
  isFromMe: false;
} {
  return { msgId: media.msgId, chatJid: media.chatJid, isFromMe: false };
}

/** The JSON object `POST /v1/media` takes to register `media` (see {@link receivedIn}). */
export function registerBody(media: SeededMedia): {
  message: string;
  msgId: string;
  chatJid: string;
  isFromMe: false;
} {
  return {
    message: Buffer.from(encodeMessage(media.message)).toString('base64'),
    ...receivedIn(media),
  };
}
