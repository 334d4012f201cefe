// Webhook signatures: HMAC-SHA256 over timestamp, event id and raw body, and the receiver-side
// check with a freshness window.
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Header carrying `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<event id>.<raw body>")>`.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'x-wa-media-signature' as const;
/** Header carrying the delivery time, unix seconds; covered by the signature. */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-wa-media-timestamp' as const;
/**
 * Header carrying the event id: the same on every redelivery, so receivers can deduplicate;
 * covered by the signature, so a captured delivery cannot pass as a new event.
 */
export const WEBHOOK_EVENT_ID_HEADER = 'x-wa-media-event-id' as const;
/** Header carrying the 1-based delivery attempt. */
export const WEBHOOK_ATTEMPT_HEADER = 'x-wa-media-delivery-attempt' as const;

/** Default of {@link VerifyWebhookOptions.toleranceSec}. */
const defaultToleranceSec = 300;

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? new TextEncoder().encode(body) : body;
}

// Timestamp and event id are signed with the body, so a captured delivery can be replayed
// neither later (fresh timestamp) nor as another event (fresh id). The id has no dots, so
// "<unix seconds>.<event id>.<raw body>" splits one way only.
function mac(
  body: string | Uint8Array,
  secret: string | Uint8Array,
  timestamp: string,
  eventId: string,
): Buffer {
  return createHmac('sha256', secret)
    .update(`${timestamp}.${eventId}.`)
    .update(bytesOf(body))
    .digest();
}

const eventIdPattern = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The `X-WA-Media-Signature` value of a delivery: `sha256=` + hex HMAC-SHA256 of
 * `"<timestamp>.<event id>.<raw body>"`, where `timestamp` is the `X-WA-Media-Timestamp` value
 * and `eventId` the `X-WA-Media-Event-Id` value.
 * @param timestamp unix seconds of the delivery
 * @param eventId 1–128 characters of `A-Z a-z 0-9 _ -` (the store uses UUIDs)
 * @throws {TypeError} when `secret` is empty, `timestamp` is not a non-negative integer or
 * `eventId` is malformed.
 * @example
 * ```ts
 * const signature = signWebhookBody(rawBody, secret, Math.floor(Date.now() / 1000), eventId);
 * ```
 */
export function signWebhookBody(
  body: string | Uint8Array,
  secret: string | Uint8Array,
  timestamp: number,
  eventId: string,
): string {
  if (secret.length === 0) throw new TypeError('secret must not be empty');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError('timestamp must be a non-negative integer (unix seconds)');
  }
  if (typeof eventId !== 'string' || !eventIdPattern.test(eventId)) {
    throw new TypeError('eventId must be 1-128 characters of A-Z a-z 0-9 _ -');
  }
  return `sha256=${mac(body, secret, String(timestamp), eventId).toString('hex')}`;
}

/** Request headers as Node (`req.headers`) or fetch (`Headers`) give them. */
export type WebhookHeaders =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Options of {@link verifyWebhookSignature}. */
export interface VerifyWebhookOptions {
  /**
   * Largest accepted difference between `X-WA-Media-Timestamp` and now, seconds (either way):
   * an older delivery is refused as a possible replay. Redeliveries are signed afresh, so a
   * slow retry is not refused. @default 300
   */
  toleranceSec?: number;
  /** "Now", epoch milliseconds (for tests). @default Date.now() */
  nowMs?: number;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  let value: string | readonly string[] | null | undefined;
  if (typeof (headers as Headers).get === 'function') value = (headers as Headers).get(name);
  else {
    const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
    value =
      record[name] ?? record[Object.keys(record).find((key) => key.toLowerCase() === name) ?? ''];
  }
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * Checks a webhook delivery: the `X-WA-Media-Signature` header against the raw body (as
 * received, before any JSON parsing), the `X-WA-Media-Timestamp` and the `X-WA-Media-Event-Id`
 * headers, in constant time, and that the timestamp is within `toleranceSec` of now. Returns
 * false for a missing or malformed header, a wrong signature or a stale timestamp.
 *
 * @throws {TypeError} when `options.toleranceSec` is negative or not a number.
 * @example
 * ```ts
 * // Node: raw body as received, req.headers as is.
 * if (!verifyWebhookSignature(rawBody, req.headers, secret)) {
 *   res.writeHead(401).end();
 * }
 * ```
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): boolean {
  const toleranceSec = options.toleranceSec ?? defaultToleranceSec;
  if (!Number.isFinite(toleranceSec) || toleranceSec < 0) {
    throw new TypeError('options.toleranceSec must be a non-negative number of seconds');
  }
  if (headers === null || typeof headers !== 'object' || secret.length === 0) return false;
  const signature = header(headers, WEBHOOK_SIGNATURE_HEADER);
  const timestamp = header(headers, WEBHOOK_TIMESTAMP_HEADER);
  const eventId = header(headers, WEBHOOK_EVENT_ID_HEADER);
  if (signature === undefined || timestamp === undefined || eventId === undefined) return false;
  if (!/^\d{1,15}$/.test(timestamp) || !eventIdPattern.test(eventId)) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim());
  if (match === null) return false;
  const nowSec = (options.nowMs ?? Date.now()) / 1000;
  if (Math.abs(nowSec - Number(timestamp)) > toleranceSec) return false;
  return timingSafeEqual(mac(body, secret, timestamp, eventId), Buffer.from(match[1]!, 'hex'));
}
