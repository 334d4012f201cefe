import { InvalidArgumentError } from '../errors.js';
import {
  type Message,
  MessageAssociation_AssociationType,
  type MessageKey,
} from '../generated/wa_media.pb.js';

/** Counts announced by an album parent. */
export interface AlbumParentParams {
  /** How many images the album will hold (a non-negative integer). */
  expectedImageCount: number;
  /** How many videos the album will hold (a non-negative integer). */
  expectedVideoCount: number;
}

function checkCount(value: unknown, parameter: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > 0xffff_ffff) {
    throw new InvalidArgumentError(parameter, 'must be a non-negative 32-bit integer');
  }
  return value as number;
}

/**
 * The album parent message (`Message.albumMessage`): send it first, then each item as its own
 * message made with {@link wrapAsAlbumChild} pointing at the parent's key.
 * @throws {InvalidArgumentError} when a count is not a non-negative 32-bit integer.
 * @example
 * ```ts
 * const parent = buildAlbumParent({ expectedImageCount: 2, expectedVideoCount: 0 });
 * await sock.relayMessage(jid, toBaileysMessage(parent), { messageId: parentId });
 * ```
 */
export function buildAlbumParent(params: AlbumParentParams): Message {
  return {
    albumMessage: {
      expectedImageCount: checkCount(params.expectedImageCount, 'expectedImageCount'),
      expectedVideoCount: checkCount(params.expectedVideoCount, 'expectedVideoCount'),
    },
  };
}

/**
 * A copy of `child` (an image or video message) marked as an item of the album whose message
 * key is `parentKey`: `messageContextInfo.messageAssociation = { associationType: MEDIA_ALBUM,
 * parentMessageKey }`. Everything else of `child`, incl. unknown fields and any existing
 * `messageContextInfo` fields such as `messageSecret`, is kept. `child` is not modified.
 * @throws {InvalidArgumentError} when `parentKey` has no `id` or `remoteJid`.
 * @example
 * ```ts
 * const item = wrapAsAlbumChild(buildImageMessage(uploaded), { id: parentId, remoteJid: jid });
 * await sock.relayMessage(jid, toBaileysMessage(item), { messageId });
 * ```
 */
export function wrapAsAlbumChild(
  child: Message,
  parentKey: MessageKey,
  options: { messageIndex?: number } = {},
): Message {
  if (!parentKey?.id || !parentKey.remoteJid) {
    throw new InvalidArgumentError('parentKey', 'must have an id and a remoteJid');
  }
  const association = {
    ...child.messageContextInfo?.messageAssociation,
    associationType: MessageAssociation_AssociationType.MEDIA_ALBUM,
    parentMessageKey: parentKey,
  };
  if (options.messageIndex !== undefined) association.messageIndex = options.messageIndex;
  return {
    ...child,
    messageContextInfo: { ...child.messageContextInfo, messageAssociation: association },
  };
}

/** The album parent key of an album item (unwrapped by the caller), if it is one. */
export function getAlbumParentKey(message: Message): MessageKey | undefined {
  const association = message.messageContextInfo?.messageAssociation;
  return association?.associationType === MessageAssociation_AssociationType.MEDIA_ALBUM
    ? association.parentMessageKey
    : undefined;
}
