// Media ids: 128 random bits in base64url (unguessable, URL- and file-name-safe).

import { randomBytes } from 'node:crypto';

/** A new random media id. */
export function newMediaId(): string {
  return randomBytes(16).toString('base64url');
}

const mediaIdPattern = /^[A-Za-z0-9_-]{22}$/;

/** True for a string shaped like a media id (22 base64url characters). */
export function isMediaId(value: unknown): value is string {
  return typeof value === 'string' && mediaIdPattern.test(value);
}
