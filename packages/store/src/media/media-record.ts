// A media record as the store shows it, built from its database row.
import type { MediaRow, MediaStatus } from '../ports/metadata-store.js';

/** A failure as the store recorded it (the last one, for a record still retrying). */
export interface MediaFailure {
  /** The store's classification (`expired`, `network`, `integrity`, …). */
  kind: string;
  /** One of `STORE_ERROR_CODES`. */
  code: number;
  /** The code's fixed title. */
  title: string;
  /** What happened, without secrets. */
  details: string;
}

/** What the store knows about one media item. */
export interface MediaRecord {
  /** Opaque, URL-safe id (128 random bits, base64url). */
  id: string;
  /** Where the record is: `pending`, `downloading`, `downloaded` or `failed`. */
  status: MediaStatus;
  /** crypto's media type (`image`, `video`, `document`, …). */
  type: string;
  /** MIME type the message announced (what `GET /v1/media/{id}` answers with). */
  mimeType: string;
  /** Hex SHA-256 of the plaintext (the stored file hashes to it once downloaded). */
  sha256: string;
  /** Plaintext length the message announced, if any. */
  fileLength?: number;
  /** Bytes stored, once downloaded. */
  size?: number;
  /** Id of the message that carried the media. */
  msgId: string;
  /** The chat it was received in. */
  chatJid: string;
  /** Whether this account sent it. */
  isFromMe: boolean;
  /** The sender, in groups and broadcasts. */
  participant?: string;
  /** Download attempts started so far. */
  attempts: number;
  /** The last failure: final when `status` is `failed`, else the reason of the pending retry. */
  error?: MediaFailure;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Last change, epoch milliseconds. */
  updatedAt: number;
  /** When the bytes were stored, epoch milliseconds. */
  downloadedAt?: number;
}

export function recordFromRow(row: MediaRow): MediaRecord {
  const record: MediaRecord = {
    id: row.id,
    status: row.status,
    type: row.type,
    mimeType: row.mime_type,
    sha256: row.file_sha256.toString('hex'),
    msgId: row.msg_id,
    chatJid: row.chat_jid,
    isFromMe: row.is_from_me === 1,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.file_length !== null) record.fileLength = row.file_length;
  if (row.size !== null) record.size = row.size;
  if (row.participant !== null) record.participant = row.participant;
  if (row.downloaded_at !== null) record.downloadedAt = row.downloaded_at;
  if (row.error_code !== null) {
    record.error = {
      kind: row.error_kind ?? 'unknown',
      code: row.error_code,
      title: row.error_title ?? '',
      details: row.error_details ?? '',
    };
  }
  return record;
}
