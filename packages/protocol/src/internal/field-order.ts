import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { SUBMESSAGE_FIELDS } from './wire-check.js';

interface FieldRecord {
  fieldNo: number;
  start: number;
  end: number;
  /** Where the payload of a modelled sub-message starts (after tag and length). */
  payloadStart?: number;
  childType?: string;
}

/**
 * Reorder the fields of `bytes` (a valid `messageType`) by field number, stably, at every
 * modelled nesting level. Returns `bytes` itself when it is already in order.
 *
 * Why: ts-proto writes the fields it models first and the unknown ones after them, so a
 * message whose unknown `contextInfo` (17) sat between `jpegThumbnail` (16) and
 * `thumbnailDirectPath` (26) would come back reordered. Encoders write fields in number order
 * (WhatsApp's, protobufjs, ts-proto for known fields), so sorting restores the original bytes
 * for any such input. A stable sort of whole fields never changes the meaning (repeated and
 * duplicate fields keep their relative order) nor any length, so length prefixes stay valid.
 */
export function sortFieldsByNumber(bytes: Uint8Array, messageType: string): Uint8Array {
  if (isSorted(bytes, 0, bytes.length, messageType)) return bytes;
  const out = new Uint8Array(bytes.length);
  writeSorted(bytes, 0, bytes.length, messageType, out, 0);
  return out;
}

function readRecords(
  bytes: Uint8Array,
  start: number,
  end: number,
  messageType: string,
): FieldRecord[] {
  const children = SUBMESSAGE_FIELDS[messageType] ?? {};
  const reader = new BinaryReader(bytes.subarray(0, end));
  reader.pos = start;
  const records: FieldRecord[] = [];
  while (reader.pos < end) {
    const recordStart = reader.pos;
    const [fieldNo, wireType] = reader.tag();
    const childType = children[fieldNo];
    if (childType !== undefined && wireType === WireType.LengthDelimited) {
      const length = reader.uint32();
      const payloadStart = reader.pos;
      reader.pos += length;
      if (reader.pos > end) throw new RangeError('premature EOF');
      records.push({ fieldNo, start: recordStart, end: reader.pos, payloadStart, childType });
    } else {
      reader.skip(wireType, fieldNo);
      records.push({ fieldNo, start: recordStart, end: reader.pos });
    }
  }
  return records;
}

function isSorted(bytes: Uint8Array, start: number, end: number, messageType: string): boolean {
  let previous = 0;
  for (const record of readRecords(bytes, start, end, messageType)) {
    if (record.fieldNo < previous) return false;
    previous = record.fieldNo;
    const { payloadStart, childType } = record;
    if (childType !== undefined && payloadStart !== undefined) {
      if (!isSorted(bytes, payloadStart, record.end, childType)) return false;
    }
  }
  return true;
}

function writeSorted(
  bytes: Uint8Array,
  start: number,
  end: number,
  messageType: string,
  out: Uint8Array,
  outPos: number,
): number {
  // Array.prototype.sort is stable (ES2019).
  const records = readRecords(bytes, start, end, messageType).sort((a, b) => a.fieldNo - b.fieldNo);
  let pos = outPos;
  for (const record of records) {
    const { payloadStart, childType } = record;
    if (childType !== undefined && payloadStart !== undefined) {
      out.set(bytes.subarray(record.start, payloadStart), pos);
      pos += payloadStart - record.start;
      pos = writeSorted(bytes, payloadStart, record.end, childType, out, pos);
    } else {
      out.set(bytes.subarray(record.start, record.end), pos);
      pos += record.end - record.start;
    }
  }
  return pos;
}
