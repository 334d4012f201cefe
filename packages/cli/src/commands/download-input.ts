// What `download` fetches: flags, an upload's --json output, or a message (protobuf bytes or
// JSON, including Baileys-style dumps where bytes are `{"type":"Buffer","data":[…]}`).
import { readFile } from 'node:fs/promises';
import type { Downloadable, DownloadParams } from '@wa-media/client';
import { decodeMessage, Message } from '@wa-media/protocol';
import { type CommandContext, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { parseBase64 } from '../io/bytes.js';
import { checkInputFile, type StdStreams } from '../io/files.js';
import {
  hashFlag,
  mediaKeyFlag,
  parseMediaType,
  requireType,
  unencryptedFlag,
} from './media-flags.js';

/** Message fields that hold bytes (base64 strings in JSON). */
const BYTES_FIELDS = new Set([
  'mediaKey',
  'fileSha256',
  'fileEncSha256',
  'jpegThumbnail',
  'pngThumbnail',
  'streamingSidecar',
  'thumbnailSha256',
  'thumbnailEncSha256',
  'midQualityFileSha256',
  'midQualityFileEncSha256',
  'firstFrameSidecar',
  'waveform',
  'messageSecret',
]);

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

/** JSON values → what `Message.fromPartial` takes (bytes fields as Uint8Array). */
function reviveBytes(value: unknown, key: string, path: string): unknown {
  if (Array.isArray(value))
    return value.map((item, index) => reviveBytes(item, key, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    if (record.type === 'Buffer' && Array.isArray(record.data)) {
      return new Uint8Array(record.data as number[]);
    }
    if (typeof record.$b64 === 'string') return parseBase64(path, record.$b64);
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(record)) {
      out[name] = reviveBytes(child, name, `${path}.${name}`);
    }
    return out;
  }
  if (typeof value === 'string' && BYTES_FIELDS.has(key)) return parseBase64(path, value);
  return value;
}

/** An upload result / params object (`type`, `directPath`, base64 hashes) → DownloadParams. */
function paramsFromJson(json: Record<string, unknown>, label: string): DownloadParams {
  const str = (name: string): string | undefined =>
    typeof json[name] === 'string' ? (json[name] as string) : undefined;
  const type = str('type');
  const directPath = str('directPath');
  if (type === undefined || directPath === undefined) {
    throw new UsageError(`${label} needs "type" and "directPath"`);
  }
  const bytes = (name: string, length?: number): Uint8Array | undefined => {
    const value = str(name);
    return value === undefined ? undefined : parseBase64(`${label} ${name}`, value, length);
  };
  const mediaKey = bytes('mediaKey', 32);
  const fileSha256 = bytes('fileSha256', 32);
  const fileEncSha256 = bytes('fileEncSha256', 32);
  const sidecar = bytes('streamingSidecar');
  const fileLength = typeof json.fileLength === 'number' ? json.fileLength : undefined;
  return {
    type: parseMediaType(`${label} type`, type),
    directPath,
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
 * Reads a params / message file: our upload JSON, a message as JSON, or protobuf bytes.
 * @throws {UsageError} when it is none of those.
 */
export async function loadDownloadable(
  label: string,
  path: string,
  std: StdStreams,
): Promise<Downloadable> {
  const bytes = await readAll(path, std, label);
  if (!isJsonText(bytes)) {
    try {
      return decodeMessage(bytes);
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
  const record = json as Record<string, unknown>;
  if (typeof record.directPath === 'string' && typeof record.type === 'string') {
    return paramsFromJson(record, label);
  }
  // A message object; a `{ message: {…} }` envelope (Baileys' WebMessageInfo) is unwrapped.
  const message =
    typeof record.message === 'object' && record.message !== null ? record.message : record;
  try {
    return Message.fromPartial(reviveBytes(message, '', label) as Partial<Message>);
  } catch (error) {
    throw new UsageError(`${label} is not a Message in JSON form`, { cause: error });
  }
}

/**
 * DownloadParams from the individual flags. Unencrypted media (`--unencrypted`, or
 * product-catalog-image) needs `--file-sha256` instead of a key: it is the only check there is.
 * @throws {UsageError} naming the missing or conflicting flag.
 */
export function paramsFromFlags(context: CommandContext): DownloadParams {
  const type = requireType(context);
  const directPath = stringFlag(context, 'direct-path');
  if (directPath === undefined || !directPath.startsWith('/')) {
    throw new UsageError('--direct-path is required and must start with /');
  }
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
      encrypted: false,
      fileSha256,
      ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
    };
  }
  const mediaKey = mediaKeyFlag(context, true);
  return {
    type,
    directPath,
    mediaKey,
    ...(fileSha256 === undefined ? {} : { fileSha256 }),
    ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
  };
}
