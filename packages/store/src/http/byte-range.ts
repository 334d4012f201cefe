// The one `Range: bytes=…` form the media endpoint serves: a single range, checked against the
// stored size (several ranges, other units or garbage are ignored: the whole body is sent).

import type { BlobRange } from '../ports/blob-store.js';

/**
 * The range `header` asks of a `size`-byte body.
 * @returns the inclusive range, `'unsatisfiable'` (answer 416), or undefined (send it all)
 */
export function parseByteRange(
  header: string | undefined,
  size: number,
): BlobRange | 'unsatisfiable' | undefined {
  if (header === undefined || header.length > 64) return undefined;
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '') {
    // `bytes=-n`: the last n bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}
