// Minimal hand-rolled protobuf writer for tests, independent of the generated code and of the
// runtime library, so tests can craft exact bytes (unknown fields, groups, malformed input).

export function varint(value: number | bigint): Uint8Array {
  let n = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    out.push(byte);
  } while (n > 0n);
  return Uint8Array.from(out);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

export const tag = (fieldNo: number, wireType: number): Uint8Array =>
  varint((fieldNo << 3) | wireType);
export const varintField = (fieldNo: number, value: number | bigint): Uint8Array =>
  concat(tag(fieldNo, 0), varint(value));
export const bytesField = (fieldNo: number, payload: Uint8Array): Uint8Array =>
  concat(tag(fieldNo, 2), varint(payload.length), payload);
export const stringField = (fieldNo: number, text: string): Uint8Array =>
  bytesField(fieldNo, new TextEncoder().encode(text));
export const fixed32Field = (fieldNo: number, value: number): Uint8Array => {
  const payload = new Uint8Array(4);
  new DataView(payload.buffer).setUint32(0, value, true);
  return concat(tag(fieldNo, 5), payload);
};
export const fixed64Field = (fieldNo: number, value: bigint): Uint8Array => {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setBigUint64(0, value, true);
  return concat(tag(fieldNo, 1), payload);
};
export const groupField = (fieldNo: number, ...inner: Uint8Array[]): Uint8Array =>
  concat(tag(fieldNo, 3), ...inner, tag(fieldNo, 4));

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * A decoded message without the noise ts-proto adds (undefined fields, empty repeated fields
 * and `_unknownFields`), for deep equality against hand-written expectations.
 */
export function clean(value: unknown): unknown {
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(clean);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined || (Array.isArray(inner) && inner.length === 0)) continue;
    if (key === '_unknownFields' && Object.keys(inner as object).length === 0) continue;
    out[key] = clean(inner);
  }
  return out;
}
