// The one normalizer of incoming messages: Baileys' `proto.IMessage` / `WAMessage`, our ts-proto
// `Message`, and JSON that went through BufferJSON or JSON.stringify, all into a `Message`.

import { InvalidArgumentError } from '../errors.js';
import type { Message } from '../generated/wa_media.pb.js';
import { base64Decode } from '../internal/base64url.js';

/**
 * Names of the `bytes` fields of `proto/wa_media.proto` (a test keeps the list equal to it).
 * Every message uses each name with the same type, so the name alone says how to read a value.
 */
export const BYTES_FIELDS: ReadonlySet<string> = new Set([
  'fileEncSha256',
  'fileSha256',
  'firstFrameSidecar',
  'firstScanSidecar',
  'initialHistBootstrapInlinePayload',
  'jpegThumbnail',
  'mediaKey',
  'messageSecret',
  'midQualityFileEncSha256',
  'midQualityFileSha256',
  'pngThumbnail',
  'scansSidecar',
  'streamingSidecar',
  'thumbnailEncSha256',
  'thumbnailSha256',
  'waveform',
]);

/** Names of the 64-bit integer fields of `proto/wa_media.proto` (kept equal to it by a test). */
export const INT64_FIELDS: ReadonlySet<string> = new Set([
  'fileLength',
  'fileSizeBytes',
  'mediaKeyTimestamp',
  'motionPhotoPresentationOffsetMs',
  'oldestMsgInChunkTimestampSec',
  'stickerPackSize',
  'stickerSentTs',
]);

/**
 * A message in any of the shapes users hold: our `Message`, Baileys' `proto.IMessage` (nulls,
 * `Long | number`), a whole `WAMessage` (`{ key, message }`), or JSON with bytes as
 * `Uint8Array` / `Buffer`, `{"0":…}` objects, base64 strings or `{ type: 'Buffer', data }`.
 */
export type MessageInput = Message | object;

/** What a `WAMessage` key says about its message (for media reupload). */
export interface MessageKeyInfo {
  /** `key.id`. */
  msgId: string;
  /** `key.remoteJid`, else Baileys 7's `key.remoteJidAlt`. */
  chatJid: string;
  /** `key.fromMe`. */
  isFromMe: boolean;
  /** `key.participant`, else `key.participantAlt` (group and broadcast senders). */
  participant?: string;
}

/** A normalized {@link MessageInput}: the message, and its key when a `WAMessage` was given. */
export interface NormalizedMessage {
  /** The message, with bytes as `Uint8Array` and 64-bit fields as `bigint`. */
  message: Message;
  /** Present when the input was a `WAMessage` with a usable key. */
  key?: MessageKeyInfo | undefined;
}

// Cyclic or absurdly nested objects are refused rather than overflowing the stack.
const maxDepth = 64;
const maxUint64 = (1n << 64n) - 1n;

/**
 * Normalize a message given in any {@link MessageInput} shape.
 * @throws {InvalidArgumentError} naming the field (e.g. `message.imageMessage.fileLength`) whose
 * value is not bytes / a 64-bit integer, or when the input is not an object.
 * @example
 * ```ts
 * sock.ev.on('messages.upsert', ({ messages }) => {
 *   for (const msg of messages) {
 *     const { message, key } = normalizeMessageInput(msg); // key: { msgId, chatJid, … }
 *   }
 * });
 * ```
 */
export function normalizeMessageInput(input: MessageInput): NormalizedMessage {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidArgumentError('message', 'must be a message object');
  }
  const record = input as Record<string, unknown>;
  if (isMessageWrapper(record)) {
    const message = normalizeMessage(record.message as object, 'message.message');
    const key = keyInfo(record.key);
    return key === undefined ? { message } : { message, key };
  }
  return { message: normalizeMessage(input) };
}

/**
 * Normalize a message object (not a `WAMessage`: see {@link normalizeMessageInput}).
 * @param path how errors name the value @default 'message'
 * @throws {InvalidArgumentError} naming the field whose value cannot be read.
 */
export function normalizeMessage(input: object, path = 'message'): Message {
  return normalizeObject(input, path, 0) as Message;
}

/**
 * The {@link MessageKeyInfo} of a Baileys `WAMessageKey` (or `proto.IMessageKey`), or
 * `undefined` when it lacks an id or a chat.
 */
export function keyInfo(key: unknown): MessageKeyInfo | undefined {
  if (typeof key !== 'object' || key === null) return undefined;
  const k = key as Record<string, unknown>;
  const msgId = nonEmptyString(k.id);
  const chatJid = nonEmptyString(k.remoteJid) ?? nonEmptyString(k.remoteJidAlt);
  if (msgId === undefined || chatJid === undefined) return undefined;
  const participant = nonEmptyString(k.participant) ?? nonEmptyString(k.participantAlt);
  return {
    msgId,
    chatJid,
    isFromMe: k.fromMe === true,
    ...(participant === undefined ? {} : { participant }),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `{ key, message }` (a WAMessage / WebMessageInfo): a `Message` has no field named `message`,
 * so an object `message` says it is an envelope even without a key.
 */
function isMessageWrapper(record: Record<string, unknown>): boolean {
  return typeof record.message === 'object' && record.message !== null;
}

function normalizeObject(input: object, path: string, depth: number): Record<string, unknown> {
  if (depth > maxDepth) throw new InvalidArgumentError(path, 'is nested too deeply');
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) {
    // ts-proto's decoded-but-unmodelled fields are wire bytes already: kept as they are.
    if (field === '_unknownFields') {
      if (value !== undefined && value !== null) out[field] = value;
      continue;
    }
    const normalized = normalizeValue(value, field, `${path}.${field}`, depth + 1);
    if (normalized !== undefined) out[field] = normalized;
  }
  return out;
}

function normalizeValue(value: unknown, field: string, path: string, depth: number): unknown {
  if (value === null || value === undefined) return undefined;
  if (BYTES_FIELDS.has(field)) return toBytes(value, path);
  if (INT64_FIELDS.has(field)) return toUint64(value, path);
  if (Array.isArray(value)) {
    return value.map((item, index) => normalizeValue(item, field, `${path}[${index}]`, depth));
  }
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object') return normalizeObject(value, path, depth);
  return value;
}

/**
 * Bytes from a `Uint8Array` / `Buffer`, a base64 (or base64url) string, `{ type: 'Buffer', data }`
 * (BufferJSON: data as base64 or numbers), `{ $b64 }`, a number array, or `{"0":…}` (a JSON-ed
 * Uint8Array).
 * @throws {InvalidArgumentError} naming `path` for anything else.
 */
export function toBytes(value: unknown, path: string): Uint8Array {
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (typeof value === 'string') return fromBase64(value, path);
  if (Array.isArray(value)) return fromOctets(value, path);
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    // The CLI's own JSON writes bytes as `{ "$b64": "…" }`.
    if (typeof record.$b64 === 'string') return fromBase64(record.$b64, path);
    if (record.type === 'Buffer' && 'data' in record) {
      const data = record.data;
      if (typeof data === 'string') return fromBase64(data, path);
      if (Array.isArray(data)) return fromOctets(data, path);
    } else {
      const keys = Object.keys(record);
      if (keys.every((key, index) => key === String(index))) {
        return fromOctets(
          keys.map((key) => record[key]),
          path,
        );
      }
    }
  }
  throw new InvalidArgumentError(
    path,
    'must be bytes (Uint8Array, Buffer, base64, {type:"Buffer",data} or {"0":…})',
  );
}

function fromBase64(text: string, path: string): Uint8Array {
  const bytes = base64Decode(text.replace(/\s+/g, ''));
  if (bytes === undefined) throw new InvalidArgumentError(path, 'is a string that is not base64');
  return bytes;
}

function fromOctets(values: readonly unknown[], path: string): Uint8Array {
  const bytes = new Uint8Array(values.length);
  for (let index = 0; index < values.length; index++) {
    const octet = values[index];
    if (typeof octet !== 'number' || !Number.isInteger(octet) || octet < 0 || octet > 255) {
      throw new InvalidArgumentError(path, `holds a non-octet at index ${index}`);
    }
    bytes[index] = octet;
  }
  return bytes;
}

/**
 * A 64-bit unsigned integer from a bigint, a safe integer number, a decimal string, or a Long
 * (protobufjs `Long` or its JSON `{ low, high, unsigned }`).
 * @throws {InvalidArgumentError} naming `path` when it is none of these or out of range.
 */
export function toUint64(value: unknown, path: string): bigint {
  let result: bigint | undefined;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(path, 'must be a safe integer when given as a number');
    }
    result = BigInt(value);
  } else if (typeof value === 'string') {
    if (!/^\d{1,20}$/.test(value.trim())) {
      throw new InvalidArgumentError(path, 'is a string that is not a decimal integer');
    }
    result = BigInt(value.trim());
  } else if (isLongLike(value)) {
    const low = BigInt(value.low >>> 0);
    const high = BigInt(value.high >>> 0);
    result = (high << 32n) | low;
    // A signed Long with the top bit set is negative: out of range below.
    if (value.unsigned !== true && value.high < 0) result -= 1n << 64n;
  }
  if (result === undefined) {
    throw new InvalidArgumentError(path, 'must be a bigint, number, decimal string or Long');
  }
  if (result < 0n || result > maxUint64) {
    throw new InvalidArgumentError(path, 'is out of the unsigned 64-bit range');
  }
  return result;
}

function isLongLike(value: unknown): value is { low: number; high: number; unsigned?: boolean } {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Number.isInteger(record.low) && Number.isInteger(record.high);
}
