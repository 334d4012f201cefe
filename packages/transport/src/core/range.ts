// Range requests: building the `Range` header and reading `Content-Range`. Both use an
// exclusive `end` in JavaScript, while HTTP's byte positions are inclusive.

/**
 * A byte range to request. `end` is **exclusive**, like `Uint8Array.prototype.subarray` and
 * `Blob.prototype.slice`: `{ start: 0, end: 10 }` asks for bytes 0..9 (`Range: bytes=0-9`).
 * Omit `end` to ask for everything from `start` on (`Range: bytes=start-`).
 */
export interface ByteRange {
  /** First byte offset, inclusive. */
  readonly start: number;
  /** Offset one past the last wanted byte (exclusive). Omit for "to the end". */
  readonly end?: number;
}

/**
 * The range a 206 response actually carries, parsed from `Content-Range`. `end` is
 * **exclusive** (same convention as {@link ByteRange}): `bytes 0-9/100` → `{ start: 0, end: 10, total: 100 }`.
 */
export interface ContentRange {
  /** First byte carried. */
  readonly start: number;
  /** Byte after the last one carried (exclusive). */
  readonly end: number;
  /** Full size of the resource, or `null` when the server sent `*`. */
  readonly total: number | null;
}

/**
 * Builds a `Range` header value from a {@link ByteRange} (`end` exclusive).
 *
 * @example
 * ```ts
 * formatRangeHeader({ start: 0, end: 10 }); // 'bytes=0-9'
 * formatRangeHeader({ start: 512 });        // 'bytes=512-'
 * ```
 * @throws {RangeError} `range.start` is not a non-negative safe integer, or `range.end` is not an
 *   integer greater than `range.start`.
 */
export function formatRangeHeader(range: ByteRange): string {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) {
    throw new RangeError(`range.start must be a non-negative safe integer, got ${String(start)}`);
  }
  if (end === undefined) return `bytes=${start}-`;
  if (!Number.isSafeInteger(end) || end <= start) {
    throw new RangeError(
      `range.end must be a safe integer greater than range.start (${start}); it is exclusive, got ${String(end)}`,
    );
  }
  return `bytes=${start}-${end - 1}`;
}

const contentRangePattern = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i;

/**
 * Parses a `Content-Range` header of a 206 response (`bytes 0-9/100` → `{ start: 0, end: 10,
 * total: 100 }`, `end` exclusive). Returns `null` for anything else, including the unsatisfied
 * form `bytes *\/100` and ranges that are inconsistent (`end` before `start`, beyond `total`).
 */
export function parseContentRange(value: string | null | undefined): ContentRange | null {
  if (!value) return null;
  const match = contentRangePattern.exec(value);
  if (!match) return null;
  const start = Number(match[1]);
  const last = Number(match[2]);
  const total = match[3] === '*' ? null : Number(match[3]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last < start) return null;
  if (total !== null && (!Number.isSafeInteger(total) || last >= total)) return null;
  return { start, end: last + 1, total };
}

/**
 * Whether a 206's range may be handed to the caller: it must be present and start where asked,
 * and may end earlier (a shorter file) but never later. Bytes of another range would be
 * appended at the wrong offset by a resumed download.
 */
export function partialRangeMatches(
  requested: ByteRange | undefined,
  received: ContentRange | null,
): boolean {
  if (received === null) return false;
  if (requested === undefined) return true;
  return (
    received.start === requested.start &&
    (requested.end === undefined || received.end <= requested.end)
  );
}
