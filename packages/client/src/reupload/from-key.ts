// reuploadFromKey: a Baileys message key as the `reupload` option of a download, for calls that
// pass the message and its key apart (a whole WAMessage needs nothing: its key is read).

import { keyInfo } from '@wa-media/protocol';
import { ClientArgumentError } from '../errors.js';
import type { AutoReuploadOptions } from './media-reupload.js';

/**
 * The `reupload` download option for the message a Baileys `WAMessageKey` (or
 * `proto.IMessageKey`) names: `id`, `remoteJid` (else `remoteJidAlt`), `fromMe`, `participant`
 * (else `participantAlt`).
 * @throws {ClientArgumentError} when the key has no `id` or no chat.
 * @example
 * ```ts
 * await media.downloadToFile(msg.message, path, { reupload: reuploadFromKey(msg.key) });
 * ```
 */
export function reuploadFromKey(key: object): AutoReuploadOptions {
  const info = keyInfo(key);
  if (info === undefined) {
    throw new ClientArgumentError('key', 'needs an id and a remoteJid (or remoteJidAlt)');
  }
  return info;
}
