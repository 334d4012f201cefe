// Our messages in the shape Baileys' protobufjs encoder writes completely: it ignores bigint, so
// 64-bit fields go out as numbers (a bigint would silently become 0).

import { InvalidArgumentError } from '../errors.js';
import type { Message } from '../generated/wa_media.pb.js';

/**
 * `T` with every bigint (and enum) as a number, no field explicitly `undefined` (Baileys' types take
 * `T | null` only) and ts-proto's `_unknownFields` left out.
 */
export type BaileysForm<T> = T extends bigint | number
  ? number
  : T extends Uint8Array
    ? Uint8Array
    : T extends readonly (infer Item)[]
      ? BaileysForm<Item>[]
      : T extends object
        ? {
            [K in keyof T as K extends '_unknownFields' ? never : K]?: BaileysForm<
              Exclude<T[K], undefined>
            >;
          }
        : T;

/** A {@link Message} as Baileys' `proto.IMessage` takes it. */
export type BaileysMessage = BaileysForm<Message>;

const maxDepth = 64;

/**
 * Convert one of our messages (a builder's output, a decoded or normalized message) for Baileys'
 * encoder: 64-bit fields as numbers, bytes as `Uint8Array`, `undefined` fields and empty lists left out.
 * @throws {InvalidArgumentError} naming a 64-bit field above `Number.MAX_SAFE_INTEGER` (no real
 * length or timestamp is).
 * @example
 * ```ts
 * await sock.relayMessage(jid, toBaileysMessage(buildImageMessage(uploaded)), { messageId });
 * ```
 */
export function toBaileysMessage(message: Message): BaileysMessage {
  return convert(message, 'message', 0) as BaileysMessage;
}

function convert(value: unknown, path: string, depth: number): unknown {
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) {
      throw new InvalidArgumentError(path, 'is beyond what a number holds exactly');
    }
    return Number(value);
  }
  if (value instanceof Uint8Array) {
    return value.constructor === Uint8Array
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (Array.isArray(value)) return value.map((item, i) => convert(item, `${path}[${i}]`, depth));
  if (typeof value !== 'object' || value === null) return value;
  if (depth > maxDepth) throw new InvalidArgumentError(path, 'is nested too deeply');
  const out: Record<string, unknown> = {};
  for (const [field, child] of Object.entries(value)) {
    // An empty repeated field writes nothing: left out like an unset one.
    if (field === '_unknownFields' || child === undefined) continue;
    if (Array.isArray(child) && child.length === 0) continue;
    out[field] = convert(child, `${path}.${field}`, depth + 1);
  }
  return out;
}
