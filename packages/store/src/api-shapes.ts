/**
 * The JSON shapes of the store's HTTP API and webhooks, modelled on the WhatsApp Business
 * (On-Premises) API media endpoints: `{ media_items, meta }` answers, `{ meta, errors }`
 * failures and `media_items` webhooks.
 */

/**
 * `meta.version` of every answer: four parts, like the On-Premises API's `"3.0.0.0"` (clients
 * written for it may parse it so), numbering this store's API, not WhatsApp's.
 */
export const STORE_API_VERSION = '1.0.0.0' as const;

/** The `meta` object of every HTTP answer. */
export interface ApiMeta {
  /** Always `'stable'`, as the WhatsApp Business API says it. */
  api_status: 'stable';
  /** {@link STORE_API_VERSION}. */
  version: string;
}

/** One entry of an `errors` array (HTTP answers and webhooks). */
export interface ApiError {
  /** One of {@link STORE_ERROR_CODES}. */
  code: number;
  /** The code's fixed title ({@link STORE_ERROR_TITLES}). */
  title: string;
  /** What exactly went wrong, without secrets. */
  details: string;
}

/**
 * Error codes used in HTTP answers and webhook failures (numbers as the On-Premises API uses
 * them). Titles are fixed per code; `details` says what exactly.
 *
 * | code | title | HTTP | when |
 * | --- | --- | --- | --- |
 * | 400 | Parameter not valid | webhook | media not found in the datastore: gone from the CDN and the sender's phone (the completion failure of the WhatsApp Business API) |
 * | 1000 | Generic error | 405 / webhook | method not allowed; a download that failed after its retries |
 * | 1004 | Resource already exists | 409 | (chatJid, msgId) registered with different media |
 * | 1005 | Access denied | 401 | missing or wrong bearer token |
 * | 1006 | Resource not found | 404 / webhook | unknown id or path; media gone from the CDN and the phone |
 * | 1008 | Required parameter is missing | 400 | a required body field is absent |
 * | 1009 | Parameter value is not valid | 400 / 413 / 415 / webhook | malformed JSON, base64, protobuf, id; body too large; not JSON; message without media |
 * | 1011 | Media not ready | 409 | bytes asked for before they are downloaded |
 * | 1014 | Internal error | 500 / webhook | storage failure (no details leak) |
 */
export const STORE_ERROR_CODES: Readonly<{
  /** 400: media gone from the CDN and from the sender's phone (webhook). */
  mediaNotInDatastore: 400;
  /** 1000: method not allowed; a download that failed after its retries. */
  genericError: 1000;
  /** 1004: (chatJid, msgId) registered before with other media. */
  resourceExists: 1004;
  /** 1005: missing or wrong bearer token. */
  accessDenied: 1005;
  /** 1006: unknown id or path. */
  notFound: 1006;
  /** 1008: a required body field is absent. */
  missingParameter: 1008;
  /** 1009: a malformed value, a body too large or not JSON, a message without media. */
  invalidParameter: 1009;
  /** 1011: bytes asked for before they are downloaded. */
  notReady: 1011;
  /** 1014: storage failure. */
  internalError: 1014;
}> = Object.freeze({
  mediaNotInDatastore: 400,
  genericError: 1000,
  resourceExists: 1004,
  accessDenied: 1005,
  notFound: 1006,
  missingParameter: 1008,
  invalidParameter: 1009,
  notReady: 1011,
  internalError: 1014,
});

/** The fixed title of each code. */
export const STORE_ERROR_TITLES: Readonly<Record<number, string>> = Object.freeze({
  400: 'Parameter not valid',
  1000: 'Generic error',
  1004: 'Resource already exists',
  1005: 'Access denied',
  1006: 'Resource not found',
  1008: 'Required parameter is missing',
  1009: 'Parameter value is not valid',
  1011: 'Media not ready',
  1014: 'Internal error',
});

/** `{ code, title, details }` with the code's fixed title. */
export function apiError(code: number, details: string): ApiError {
  return { code, title: STORE_ERROR_TITLES[code] ?? 'Generic error', details };
}

/** The media object inside a webhook item (`image`, `video`, … key). */
export interface WebhookMediaObject {
  /** The store's media id. */
  id: string;
  /** MIME type the message announced. */
  mime_type: string;
  /** Hex SHA-256 of the plaintext. */
  sha256: string;
  /**
   * `downloaded`: the bytes are stored; `failed`: they never will be (see `errors`);
   * `evicted`: the record and its bytes were removed by retention or the size quota.
   */
  status: 'downloaded' | 'failed' | 'evicted';
  /** Why it was evicted (`retention` or `quota`), with `status: 'evicted'`. */
  reason?: 'retention' | 'quota';
}

/**
 * A webhook body: `{ media_items: [{ <type>: {…}, type, errors? }] }`. The media object sits
 * under the key named by `type` (`image`, `video`, `document`, …).
 */
export interface WebhookBody {
  /** One item per event (the store sends one). */
  media_items: (Record<string, WebhookMediaObject | string | ApiError[]> & {
    /** The key the media object sits under (`image`, `video`, …). */
    type: string;
    /** Why the download failed, on a final failure. */
    errors?: ApiError[];
  })[];
}

/** What a webhook announces: stored, failed for good, or evicted. */
export type WebhookOutcome =
  | { status: 'downloaded' }
  | { status: 'failed'; failure: ApiError }
  | { status: 'evicted'; reason: 'retention' | 'quota' };

/** Builds the WhatsApp Business API-shaped webhook body for one completion or eviction. */
export function webhookBody(
  media: { id: string; type: string; mimeType: string; sha256Hex: string },
  outcome: WebhookOutcome,
): WebhookBody {
  const object: WebhookMediaObject = {
    id: media.id,
    mime_type: media.mimeType,
    sha256: media.sha256Hex,
    status: outcome.status,
    ...(outcome.status === 'evicted' ? { reason: outcome.reason } : {}),
  };
  const item: WebhookBody['media_items'][number] = {
    ...(outcome.status === 'failed' ? { errors: [outcome.failure] } : {}),
    [media.type]: object,
    type: media.type,
  };
  return { media_items: [item] };
}
