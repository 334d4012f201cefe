// Checks of register()'s `info`: where and for whom a media message was received.

import { tryParseJid } from '@wa-media/protocol';
import { InvalidMediaInputError } from './errors.js';
import type { RegisterInfo } from './ports/store-api.js';

// A chat or sender JID names a user (or group) at a server; a bare server is not one.
function isChatJid(value: unknown): boolean {
  return typeof value === 'string' && (tryParseJid(value)?.user ?? '') !== '';
}

/** Longest chat or participant JID accepted (real ones are well under 100 characters). */
const maxJidLength = 128;

/**
 * `info` when it is well-formed.
 * @throws {InvalidMediaInputError} naming the first malformed field.
 */
export function checkRegisterInfo(info: RegisterInfo): RegisterInfo {
  if (info === null || typeof info !== 'object') {
    throw new InvalidMediaInputError('info', 'must be { msgId, chatJid, isFromMe, participant? }');
  }
  if (typeof info.msgId !== 'string' || info.msgId === '' || info.msgId.length > 128) {
    throw new InvalidMediaInputError('info.msgId', 'must be a non-empty string (≤ 128 chars)');
  }
  if (!isChatJid(info.chatJid) || info.chatJid.length > maxJidLength) {
    throw new InvalidMediaInputError('info.chatJid', `must be a JID (≤ ${maxJidLength} chars)`);
  }
  if (typeof info.isFromMe !== 'boolean') {
    throw new InvalidMediaInputError('info.isFromMe', 'must be a boolean');
  }
  if (
    info.participant !== undefined &&
    (!isChatJid(info.participant) || info.participant.length > maxJidLength)
  ) {
    throw new InvalidMediaInputError(
      'info.participant',
      `must be a JID (≤ ${maxJidLength} chars) when given`,
    );
  }
  return info;
}
