// Opaque cursors of `GET /v1/media` pages: the last record's (createdAt, id), base64url JSON.

import { InvalidMediaInputError } from '../errors.js';
import type { PageCursor } from '../ports/metadata-store.js';
import { isMediaId } from './media-id.js';

/** The cursor that continues after `cursor`. */
export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/**
 * The position a cursor names.
 * @throws {InvalidMediaInputError} `cursor` when it is not one this store handed out.
 */
export function decodePageCursor(text: string): PageCursor {
  let parsed: unknown;
  try {
    parsed = text.length <= 128 ? JSON.parse(Buffer.from(text, 'base64url').toString()) : null;
  } catch {
    parsed = null;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    !isMediaId(parsed[1])
  ) {
    throw new InvalidMediaInputError('cursor', 'is not a cursor of this API');
  }
  return { createdAt: parsed[0] as number, id: parsed[1] as string };
}
