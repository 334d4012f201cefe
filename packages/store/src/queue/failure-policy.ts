// The store's failure policy: which failure kinds are final, and the code, title and safe
// details recorded (and sent by webhook) for each.
import { STORE_ERROR_CODES, STORE_ERROR_TITLES } from '../api-shapes.js';
import type { DownloadFailureKind } from '../client-port.js';
import type { RecordedFailure } from '../ports/metadata-store.js';

/** A failure kind of the store: the client's kinds plus local storage trouble. */
export type StoreFailureKind = DownloadFailureKind | 'storage';

/** Kinds that no retry can fix: the record fails at once. */
export const FINAL_FAILURE_KINDS: ReadonlySet<StoreFailureKind> = new Set([
  'expired',
  'reupload-not-found',
  'unsupported',
]);

// Only a short, known-safe token of the error is kept: client messages may quote URLs.
function safeCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) return code;
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && /^[\w.-]{1,40}$/.test(name)) return name;
  return 'Error';
}

// The two "media is gone" kinds start with the WhatsApp Business API's completion-failure text, so receivers
// written for the On-Premises API recognise them; the rest says which case it was.
const details: Record<StoreFailureKind, string> = {
  expired:
    "Media not found in the datastore. It expired on the CDN (404/410) and the sender's phone did not re-upload it (no signalling, or media that cannot be re-requested).",
  'reupload-not-found':
    "Media not found in the datastore. It left the CDN and the sender's phone no longer has it.",
  'reupload-failed': 'The media reupload request failed',
  integrity: 'Downloaded bytes failed verification',
  network: 'Network failure while downloading from the CDN',
  unsupported: 'The message carries no downloadable media.',
  aborted: 'The download was cancelled.',
  unknown: 'The download failed',
  storage: 'The media could not be stored',
};

const codes: Record<StoreFailureKind, number> = {
  expired: STORE_ERROR_CODES.mediaNotInDatastore,
  'reupload-not-found': STORE_ERROR_CODES.mediaNotInDatastore,
  unsupported: STORE_ERROR_CODES.invalidParameter,
  storage: STORE_ERROR_CODES.internalError,
  'reupload-failed': STORE_ERROR_CODES.genericError,
  integrity: STORE_ERROR_CODES.genericError,
  network: STORE_ERROR_CODES.genericError,
  aborted: STORE_ERROR_CODES.genericError,
  unknown: STORE_ERROR_CODES.genericError,
};

/** The failure to record (and send in the webhook) for an attempt that failed. */
export function describeFailure(
  kind: StoreFailureKind,
  error: unknown,
  attempt: number,
): RecordedFailure {
  const code = codes[kind];
  const text = details[kind];
  const suffix = FINAL_FAILURE_KINDS.has(kind) || kind === 'storage' ? '' : ` (${safeCode(error)})`;
  return {
    kind,
    code,
    title: STORE_ERROR_TITLES[code] ?? 'Generic error',
    details: `${text.replace(/\.$/, '')}${suffix}; attempt ${attempt}.`,
  };
}
