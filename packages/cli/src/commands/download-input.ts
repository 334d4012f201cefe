// What `download` fetches: flags (a direct path or a full URL), an upload's --json output, or a
// message (protobuf bytes or JSON, including Baileys' WebMessageInfo dumps, whose `key` names
// the message for media reupload), read by the protocol's one message normalizer.
import { readFile } from 'node:fs/promises';
import type { Downloadable, DownloadParams } from '@wa-media/client';
import {
  decodeMessage,
  isInvalidArgumentError,
  keyInfo,
  type MessageKeyInfo,
  type NormalizedMessage,
  normalizeMessageInput,
} from '@wa-media/protocol';
import { type CommandContext, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { parseBase64, parseKey32 } from '../io/bytes.js';
import { checkInputFile, type StdStreams } from '../io/files.js';
import {
  hashFlag,
  mediaKeyFlag,
  parseMediaType,
  requireType,
  unencryptedFlag,
} from './media-flags.js';

export type { MessageKeyInfo } from '@wa-media/protocol';

/** What a params / message file holds. */
export interface LoadedInput {
  readonly downloadable: Downloadable;
  /** Present when the file was a WebMessageInfo (Baileys' `{ key, message }`). */
  readonly key?: MessageKeyInfo;
}

async function readAll(path: string, std: StdStreams, label: string): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Uint8Array[] = [];
    for await (const chunk of std.stdin as AsyncIterable<Uint8Array>) chunks.push(chunk);
    return new Uint8Array(Buffer.concat(chunks));
  }
  await checkInputFile(label, path);
  return new Uint8Array(await readFile(path));
}

function isJsonText(bytes: Uint8Array): boolean {
  const text = Buffer.from(bytes.subarray(0, 64)).toString('utf8').trimStart();
  return text.startsWith('{');
}

/** An upload result / params object (`type`, `directPath`, base64 hashes) → DownloadParams. */
function paramsFromJson(json: Record<string, unknown>, label: string): DownloadParams {
  const str = (name: string): string | undefined =>
    typeof json[name] === 'string' ? (json[name] as string) : undefined;
  const type = str('type');
  const url = str('url');
  // Only a full URL (no directPath): its path and query are the direct path, and it is tried first.
  const fromUrl =
    str('directPath') === undefined && url !== undefined
      ? checkMediaUrl(`${label} url`, url)
      : undefined;
  const directPath =
    fromUrl === undefined ? str('directPath') : `${fromUrl.pathname}${fromUrl.search}`;
  if (type === undefined || directPath === undefined) {
    throw new UsageError(`${label} needs "type" and "directPath" (or a full "url")`);
  }
  const bytes = (name: string): Uint8Array | undefined => {
    const value = str(name);
    return value === undefined ? undefined : parseBase64(`${label} ${name}`, value);
  };
  const key32 = (name: string): Uint8Array | undefined => {
    const value = str(name);
    return value === undefined ? undefined : parseKey32(`${label} ${name}`, value);
  };
  const mediaKey = key32('mediaKey');
  const fileSha256 = key32('fileSha256');
  const fileEncSha256 = key32('fileEncSha256');
  const sidecar = bytes('streamingSidecar');
  const fileLength = typeof json.fileLength === 'number' ? json.fileLength : undefined;
  return {
    type: parseMediaType(`${label} type`, type),
    directPath,
    ...(fromUrl === undefined ? {} : { staticUrl: fromUrl.href }),
    ...(mediaKey === undefined ? {} : { mediaKey }),
    ...(fileSha256 === undefined ? {} : { fileSha256 }),
    ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
    ...(fileLength === undefined ? {} : { fileLength }),
    ...(sidecar === undefined ? {} : { streamingSidecar: sidecar }),
    // Newsletter uploads report `encrypted: false`; anything else needs its media key.
    ...(json.encrypted === false ? { encrypted: false } : {}),
  };
}

/**
 * A full media URL (`https://mmg.whatsapp.net/v/t62…enc?…`, or the emulator's `http://…`).
 * @throws {UsageError} naming `label` for anything else.
 */
export function checkMediaUrl(label: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new UsageError(`${label} must be a full http(s) URL`, { cause: error });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '') {
    throw new UsageError(`${label} must be an http(s) URL without credentials`);
  }
  return url;
}

/**
 * Reads a params / message file: our upload JSON, a message or a WebMessageInfo as JSON, or
 * message protobuf bytes.
 * @throws {UsageError} when it is none of those.
 */
export async function loadDownloadable(
  label: string,
  path: string,
  std: StdStreams,
): Promise<LoadedInput> {
  const bytes = await readAll(path, std, label);
  if (!isJsonText(bytes)) {
    try {
      return { downloadable: decodeMessage(bytes) };
    } catch (error) {
      throw new UsageError(`${label} is neither JSON nor a protobuf Message`, { cause: error });
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new UsageError(`${label} is not valid JSON`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new UsageError(`${label} must hold a JSON object`);
  }
  const record = json as Record<string, unknown>;
  if (
    typeof record.type === 'string' &&
    (typeof record.directPath === 'string' || typeof record.url === 'string')
  ) {
    return { downloadable: paramsFromJson(record, label) };
  }
  // A message object, or a `{ key, message }` envelope (Baileys' WebMessageInfo / WAMessage).
  if (typeof record.key === 'object' && record.key !== null && keyInfo(record.key) === undefined) {
    throw new UsageError(`${label} key needs "id" and "remoteJid"`);
  }
  let normalized: NormalizedMessage;
  try {
    normalized = normalizeMessageInput(record);
  } catch (error) {
    if (!isInvalidArgumentError(error)) throw error;
    throw new UsageError(`${label}: ${error.message}`, { cause: error });
  }
  const { message: downloadable, key } = normalized;
  return key === undefined ? { downloadable } : { downloadable, key };
}

/**
 * DownloadParams from the individual flags. Unencrypted media (`--unencrypted`, or
 * product-catalog-image) needs `--file-sha256` instead of a key: it is the only check there is.
 * @throws {UsageError} naming the missing or conflicting flag.
 */
export function paramsFromFlags(context: CommandContext): DownloadParams {
  const type = requireType(context);
  const { directPath, staticUrl } = whereFromFlags(context);
  const fileSha256 = hashFlag(context, 'file-sha256');
  const fileEncSha256 = hashFlag(context, 'file-enc-sha256');
  if (unencryptedFlag(context, type)) {
    if (fileSha256 === undefined) {
      throw new UsageError(
        '--file-sha256 is required for unencrypted media: it is what the download is verified by',
      );
    }
    return {
      type,
      directPath,
      ...staticUrl,
      encrypted: false,
      fileSha256,
      ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
    };
  }
  const mediaKey = mediaKeyFlag(context, true);
  return {
    type,
    directPath,
    ...staticUrl,
    mediaKey,
    ...(fileSha256 === undefined ? {} : { fileSha256 }),
    ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
  };
}

/**
 * Where the media is, from `--direct-path` (a path with its signed query) or `--url` (the
 * message's full URL; a full URL given to `--direct-path` counts as `--url`). A URL is tried as
 * it is first, then its path and query on the CDN hosts.
 * @throws {UsageError} when neither is given, or the value is malformed.
 */
function whereFromFlags(context: CommandContext): {
  directPath: string;
  staticUrl: { staticUrl?: string };
} {
  const directPath = stringFlag(context, 'direct-path');
  const rawUrl =
    stringFlag(context, 'url') ?? (/^https?:\/\//i.test(directPath ?? '') ? directPath : undefined);
  if (rawUrl !== undefined) {
    const url = checkMediaUrl(
      stringFlag(context, 'url') === undefined ? '--direct-path' : '--url',
      rawUrl,
    );
    return { directPath: `${url.pathname}${url.search}`, staticUrl: { staticUrl: url.href } };
  }
  if (directPath === undefined || !directPath.startsWith('/')) {
    throw new UsageError('--direct-path (starting with /) or --url (the full URL) is required');
  }
  return { directPath, staticUrl: {} };
}
