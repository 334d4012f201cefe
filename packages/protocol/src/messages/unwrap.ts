// Messages as they arrive: unwrapping ephemeral, view-once and other wrappers down to the content,
// and finding its media part.

import type {
  AudioMessage,
  DocumentMessage,
  ExtendedTextMessage,
  HistorySyncNotification,
  ImageMessage,
  Message,
  StickerMessage,
  StickerPackMessage,
  VideoMessage,
} from '../generated/wa_media.pb.js';

/** The `Message` fields of type `FutureProofMessage` that wrap another complete `Message`. */
export const MESSAGE_WRAPPER_FIELDS: readonly (
  | 'viewOnceMessage'
  | 'viewOnceMessageV2'
  | 'viewOnceMessageV2Extension'
  | 'ephemeralMessage'
  | 'documentWithCaptionMessage'
  | 'editedMessage'
  | 'associatedChildMessage'
  | 'groupStatusMessage'
  | 'groupStatusMessageV2'
)[] = Object.freeze([
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
  'editedMessage',
  'associatedChildMessage',
  'groupStatusMessage',
  'groupStatusMessageV2',
] as const);

// Real messages nest two or three deep (ephemeral → viewOnce → image); the cap only guards
// against hand-built cyclic objects.
const maxWrapperDepth = 32;

/**
 * Follow every wrapper (ephemeral, view once v1/v2/v2-extension, documentWithCaption, edited,
 * associatedChildMessage, groupStatusMessage v1/v2), nested in any order, to the message that holds the content.
 * Returns `message` itself when it is not wrapped.
 */
export function unwrapMessage(message: Message): Message {
  let current = message;
  for (let depth = 0; depth < maxWrapperDepth; depth++) {
    let inner: Message | undefined;
    for (const field of MESSAGE_WRAPPER_FIELDS) {
      inner = current[field]?.message;
      if (inner !== undefined) break;
    }
    if (inner === undefined) return current;
    current = inner;
  }
  return current;
}

/** A media-carrying part of a message, with the crypto `MediaType` its blob uses. */
export type MediaContent =
  | {
      /** The `Message` field that holds it. */
      field: 'imageMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'image';
      /** The media message itself. */
      content: ImageMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'videoMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'video';
      /** The media message itself. */
      content: VideoMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'ptvMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'video';
      /** The media message itself. */
      content: VideoMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'audioMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'audio';
      /** The media message itself. */
      content: AudioMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'documentMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'document';
      /** The media message itself. */
      content: DocumentMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'stickerMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'sticker';
      /** The media message itself. */
      content: StickerMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'stickerPackMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'sticker-pack';
      /** The media message itself. */
      content: StickerPackMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'extendedTextMessage';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'link-thumbnail';
      /** The media message itself. */
      content: ExtendedTextMessage;
    }
  | {
      /** The `Message` field that holds it. */
      field: 'historySyncNotification';
      /** Crypto `MediaType` of its blob (selects the HKDF info). */
      mediaType: 'history';
      /** The media message itself. */
      content: HistorySyncNotification;
    };

/**
 * The media part of `message` (unwrapped first), or `undefined` when it carries none.
 * `mediaType` uses crypto's `MediaType` strings. A link preview counts only when it has a
 * server-hosted thumbnail (`thumbnailDirectPath`). The media header of a buttons or interactive
 * message counts as its media.
 */
export function getMediaContent(message: Message): MediaContent | undefined {
  const unwrapped = unwrapMessage(message);
  const inner: Message = headerMedia(unwrapped) ?? unwrapped;
  if (inner.imageMessage) {
    return { field: 'imageMessage', mediaType: 'image', content: inner.imageMessage };
  }
  if (inner.videoMessage) {
    return { field: 'videoMessage', mediaType: 'video', content: inner.videoMessage };
  }
  if (inner.ptvMessage)
    return { field: 'ptvMessage', mediaType: 'video', content: inner.ptvMessage };
  if (inner.audioMessage) {
    return { field: 'audioMessage', mediaType: 'audio', content: inner.audioMessage };
  }
  if (inner.documentMessage) {
    return { field: 'documentMessage', mediaType: 'document', content: inner.documentMessage };
  }
  if (inner.stickerMessage) {
    return { field: 'stickerMessage', mediaType: 'sticker', content: inner.stickerMessage };
  }
  if (inner.stickerPackMessage) {
    return {
      field: 'stickerPackMessage',
      mediaType: 'sticker-pack',
      content: inner.stickerPackMessage,
    };
  }
  const history = inner.protocolMessage?.historySyncNotification;
  if (history) return { field: 'historySyncNotification', mediaType: 'history', content: history };
  if (inner.extendedTextMessage?.thumbnailDirectPath) {
    return {
      field: 'extendedTextMessage',
      mediaType: 'link-thumbnail',
      content: inner.extendedTextMessage,
    };
  }
  return undefined;
}

/** The image / video / document of a buttons or interactive message's header, if any. */
export function headerMedia(
  message: Message,
): Pick<Message, 'imageMessage' | 'videoMessage' | 'documentMessage'> | undefined {
  const header = message.buttonsMessage ?? message.interactiveMessage?.header;
  if (header?.imageMessage || header?.videoMessage || header?.documentMessage) return header;
  return undefined;
}
