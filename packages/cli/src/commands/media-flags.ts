// Flags shared by the commands that handle media: the type, the key and the hashes.
import { MEDIA_TYPE_NAMES, type MediaType, resolveMediaType } from '@wa-media/crypto';
import { type CommandContext, type FlagSpec, requireFlag, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { parseBase64 } from '../io/bytes.js';

export const TYPE_FLAG: FlagSpec = {
  type: 'string',
  short: 't',
  value: 'TYPE',
  description: 'media type: image, video, audio, document, sticker, … (or ptt, gif, ptv)',
};
export const MEDIA_KEY_FLAG: FlagSpec = {
  type: 'string',
  short: 'k',
  value: 'B64',
  description: 'the 32-byte media key, base64',
};
export const FILE_SHA256_FLAG: FlagSpec = {
  type: 'string',
  value: 'B64',
  description: 'expected SHA-256 of the plaintext, base64 (checked)',
};
export const FILE_ENC_SHA256_FLAG: FlagSpec = {
  type: 'string',
  value: 'B64',
  description: 'expected SHA-256 of the encrypted blob, base64 (checked)',
};

/**
 * Parses a media type name (aliases ptt, gif, ptv allowed).
 * @throws {UsageError} listing the valid names.
 */
export function parseMediaType(flag: string, value: string): MediaType {
  try {
    return resolveMediaType(value.trim());
  } catch (error) {
    throw new UsageError(
      `${flag} must be one of ${MEDIA_TYPE_NAMES.join(', ')} (or ptt, gif, ptv)`,
      { cause: error },
    );
  }
}

/** `--type`, required. */
export function requireType(context: CommandContext): MediaType {
  return parseMediaType('--type', requireFlag(context, 'type'));
}

/** `--media-key`, registered as a secret so no note or error can print it. */
export function mediaKeyFlag(context: CommandContext, required: true): Uint8Array;
export function mediaKeyFlag(context: CommandContext, required: false): Uint8Array | undefined;
export function mediaKeyFlag(context: CommandContext, required: boolean): Uint8Array | undefined {
  const raw = required ? requireFlag(context, 'media-key') : stringFlag(context, 'media-key');
  if (raw === undefined) return undefined;
  context.out.secrets.add(raw.trim());
  return parseBase64('--media-key', raw, 32);
}

/** An optional 32-byte hash flag. */
export function hashFlag(context: CommandContext, name: string): Uint8Array | undefined {
  const raw = stringFlag(context, name);
  return raw === undefined ? undefined : parseBase64(`--${name}`, raw, 32);
}
