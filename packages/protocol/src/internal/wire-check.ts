import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';

/**
 * For every modelled message, its fields whose type is another modelled message. Kept in sync
 * with proto/wa_media.proto by a test (wire-check.test.ts parses the schema and compares).
 */
export const SUBMESSAGE_FIELDS: Readonly<Record<string, Readonly<Record<number, string>>>> = {
  Message: {
    3: 'ImageMessage',
    6: 'ExtendedTextMessage',
    7: 'DocumentMessage',
    8: 'AudioMessage',
    9: 'VideoMessage',
    12: 'ProtocolMessage',
    26: 'StickerMessage',
    35: 'MessageContextInfo',
    37: 'FutureProofMessage',
    40: 'FutureProofMessage',
    53: 'FutureProofMessage',
    55: 'FutureProofMessage',
    58: 'FutureProofMessage',
    59: 'FutureProofMessage',
    66: 'VideoMessage',
    83: 'AlbumMessage',
    86: 'StickerPackMessage',
    42: 'ButtonsMessage',
    45: 'InteractiveMessage',
    91: 'FutureProofMessage',
    96: 'FutureProofMessage',
    103: 'FutureProofMessage',
  },
  FutureProofMessage: { 1: 'Message' },
  ButtonsMessage: { 2: 'DocumentMessage', 3: 'ImageMessage', 4: 'VideoMessage' },
  InteractiveMessage: { 1: 'InteractiveMessageHeader' },
  InteractiveMessageHeader: { 3: 'DocumentMessage', 4: 'ImageMessage', 7: 'VideoMessage' },
  ProtocolMessage: { 6: 'HistorySyncNotification' },
  MessageContextInfo: { 10: 'MessageAssociation' },
  MessageAssociation: { 2: 'MessageKey' },
  StickerPackMessage: { 4: 'StickerPackSticker' },
};

// Same limit as the generated decoders (they refuse deeper nesting too).
const maxDepth = 100;

/**
 * Walk the wire structure of `bytes` as `messageType`, descending into modelled sub-messages,
 * and throw on anything a conforming decoder must reject: a zero field number, wire type 6/7,
 * an end-group without its start, a truncated field, or nesting deeper than 100.
 *
 * Why: the generated decoders stop silently at a zero tag or an end-group and return what they
 * have read so far — inside a sub-message the parent then reads the rest of the child's bytes
 * as its own fields — so malformed input would come back as a plausible but partial message.
 */
export function checkWireStructure(bytes: Uint8Array, messageType: string): void {
  const reader = new BinaryReader(bytes);
  walk(reader, bytes.length, messageType, 0);
}

function walk(reader: BinaryReader, end: number, messageType: string, depth: number): void {
  if (depth > maxDepth) throw new Error('nesting deeper than 100 levels');
  const children = SUBMESSAGE_FIELDS[messageType] ?? {};
  while (reader.pos < end) {
    const [fieldNo, wireType] = reader.tag();
    if (wireType === WireType.EndGroup)
      throw new Error(`end-group tag of field ${fieldNo} without a start`);
    const child = children[fieldNo];
    if (child !== undefined && wireType === WireType.LengthDelimited) {
      const length = reader.uint32();
      const childEnd = reader.pos + length;
      if (childEnd > end) throw new Error(`field ${fieldNo} runs past the end of its message`);
      walk(reader, childEnd, child, depth + 1);
    } else {
      reader.skip(wireType, fieldNo);
    }
    if (reader.pos > end) throw new Error(`field ${fieldNo} runs past the end of its message`);
  }
}
