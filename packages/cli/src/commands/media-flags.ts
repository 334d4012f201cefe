// Flags shared by the commands that handle media: the type, the key and the hashes.
import {
  MEDIA_TYPE_NAMES,
  type MediaType,
  mediaTypeInfo,
  resolveMediaType,
} from '@wa-media/crypto';
import {
  booleanFlag,
  type CommandContext,
  type FlagSpec,
  requireFlag,
  stringFlag,
} from '../command.js';
import { UsageError } from '../errors.js';
import { parseKey32 } from '../io/bytes.js';

export const TYPE_FLAG: FlagSpec = {
  type: 'string',
  short: 't',
  value: 'TYPE',
  description: 'media type: image, video, audio, document, sticker, … (or ptt, gif, ptv)',
};
export const MEDIA_KEY_FLAG: FlagSpec = {
  type: 'string',
  short: 'k',
  value: 'KEY',
  description: 'the 32-byte media key: base64, or 64 hex digits',
};
export const FILE_SHA256_FLAG: FlagSpec = {
  type: 'string',
  value: 'HASH',
  description: 'expected SHA-256 of the plaintext, base64 or hex (checked)',
};
export const FILE_ENC_SHA256_FLAG: FlagSpec = {
  type: 'string',
  value: 'HASH',
  description: 'expected SHA-256 of the encrypted blob, base64 or hex (checked)',
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
  return parseKey32('--media-key', raw);
}

/** An optional 32-byte hash flag. */
export function hashFlag(context: CommandContext, name: string): Uint8Array | undefined {
  const raw = stringFlag(context, name);
  return raw === undefined ? undefined : parseKey32(`--${name}`, raw);
}

/**
 * `--unencrypted` and its alias `--newsletter`: channel (`@newsletter`) media, which is sent as
 * plaintext with no media key (docs/protocol.md §1). parseArgs has no long-flag aliases, so the alias
 * is a second boolean flag read by {@link unencryptedFlag}.
 */
export const UNENCRYPTED_FLAGS: Readonly<Record<string, FlagSpec>> = {
  unencrypted: {
    type: 'boolean',
    description: 'newsletter (channel) media: sent as plaintext, no media key, checked by SHA-256',
  },
  newsletter: { type: 'boolean', description: 'same as --unencrypted' },
};

/**
 * The types WhatsApp accepts as newsletter media (`/newsletter/newsletter-<type>`). Checked here
 * too, before any byte is read or any connection made, so a wrong type is a usage error that
 * names the flag instead of a failure halfway through an upload.
 */
export const NEWSLETTER_MEDIA_TYPES: readonly MediaType[] = Object.freeze([
  'image',
  'video',
  'audio',
  'document',
  'sticker',
]);

/**
 * Whether the media is unencrypted: `--unencrypted` / `--newsletter` was given, or the type is
 * never encrypted (product-catalog-image).
 * @throws {UsageError} `unencrypted-with-key` when `--media-key` is given too (the key is never
 *   printed), `not-newsletter-type` when the flag is given for a type without newsletter uploads.
 */
export function unencryptedFlag(context: CommandContext, type: MediaType): boolean {
  const flagged = booleanFlag(context, 'unencrypted') || booleanFlag(context, 'newsletter');
  const alwaysPlain = !mediaTypeInfo(type).encrypted;
  if (!flagged && !alwaysPlain) return false;
  const key = stringFlag(context, 'media-key');
  if (key !== undefined) {
    context.out.secrets.add(key.trim());
    throw new UsageError(
      flagged
        ? '--media-key cannot be used with --unencrypted / --newsletter: newsletter media has no media key'
        : `--media-key cannot be used with --type ${type}: that type is never encrypted`,
      { code: 'unencrypted-with-key' },
    );
  }
  if (flagged && !alwaysPlain && !NEWSLETTER_MEDIA_TYPES.includes(type)) {
    throw new UsageError(
      `--unencrypted / --newsletter needs --type ${NEWSLETTER_MEDIA_TYPES.join(', ')} (or ptt, gif, ptv); got ${type}`,
      { code: 'not-newsletter-type' },
    );
  }
  return true;
}

/**
 * For encrypt / decrypt: the type must be one that is encrypted.
 * @throws {UsageError} `unencrypted-type` for product-catalog-image.
 */
export function requireEncryptedType(context: CommandContext, command: string): MediaType {
  const type = requireType(context);
  if (!mediaTypeInfo(type).encrypted) {
    throw new UsageError(
      `--type ${type} is never encrypted, so there is nothing to ${command}: its blob is the file itself ` +
        '(upload it with `wa-media upload`; its fileSha256 is the SHA-256 of the file)',
      { code: 'unencrypted-type' },
    );
  }
  return type;
}
