// Small byte helpers shared by the modules (internal).

const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Throws a TypeError naming `name` unless `value` is a Uint8Array (Buffer included). */
export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(
      `${name} must be a Uint8Array, got ${value === null ? 'null' : typeof value}`,
    );
  }
}

/** Throws a RangeError naming `name` unless `value` is a Uint8Array of exactly `length` bytes. */
export function assertLength(
  value: unknown,
  length: number,
  name: string,
): asserts value is Uint8Array {
  assertBytes(value, name);
  if (value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}

/** Constant-time (for equal lengths) comparison. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Two pieces as one array, without copying when one of them is empty. */
export function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export const EMPTY: Uint8Array = new Uint8Array(0);
