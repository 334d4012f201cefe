import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying `sha256=<hex HMAC-SHA256(secret, raw body)>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-wa-media-signature' as const;
/** Header carrying the delivery time, unix seconds (informational; not signed). */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-wa-media-timestamp' as const;
/** Header carrying the event id: the same on every redelivery, so receivers can deduplicate. */
export const WEBHOOK_EVENT_ID_HEADER = 'x-wa-media-event-id' as const;
/** Header carrying the 1-based delivery attempt. */
export const WEBHOOK_ATTEMPT_HEADER = 'x-wa-media-delivery-attempt' as const;

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

/**
 * The signature header value for a webhook body: `sha256=` + hex HMAC-SHA256 of the raw body.
 * @throws {TypeError} when `secret` is empty.
 */
export function signWebhookBody(body: string | Uint8Array, secret: string | Uint8Array): string {
  if (secret.length === 0) throw new TypeError('secret must not be empty');
  return `sha256=${createHmac('sha256', secret).update(bytesOf(body)).digest('hex')}`;
}

/**
 * Checks a webhook's `X-WA-Media-Signature` header against its raw body (as received, before
 * any JSON parsing), in constant time. Returns false for a missing or malformed header.
 *
 * @example
 * ```ts
 * if (!verifyWebhookSignature(rawBody, req.headers['x-wa-media-signature'], secret)) {
 *   res.writeHead(401).end();
 * }
 * ```
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | readonly string[] | null | undefined,
  secret: string | Uint8Array,
): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || secret.length === 0) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(value.trim());
  if (match === null) return false;
  const expected = createHmac('sha256', secret).update(bytesOf(body)).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, 'hex'));
}
