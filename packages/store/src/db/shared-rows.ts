// Values both metadata stores (SQLite, PostgreSQL) write or report the same way.
import type { CounterName, NewMedia } from '../ports/metadata-store.js';

/**
 * The values of a new media row, in the column order both stores' INSERT uses:
 * id, chat_jid, msg_id, is_from_me, participant, type, mime_type, file_sha256, file_length,
 * host_key, message, then `now` for created_at (and updated_at).
 */
export function newMediaValues(media: NewMedia, now: number): unknown[] {
  return [
    media.id,
    media.chatJid,
    media.msgId,
    media.isFromMe ? 1 : 0,
    media.participant ?? null,
    media.type,
    media.mimeType,
    Buffer.from(media.fileSha256),
    media.fileLength ?? null,
    media.hostKey,
    Buffer.from(media.message),
    now,
  ];
}

/** Every outcome counter at zero (counters never written yet read as 0). */
export function zeroCounters(): Record<CounterName, number> {
  return {
    downloaded: 0,
    failed: 0,
    retried: 0,
    'attempt-failures': 0,
    'webhooks-delivered': 0,
    'webhooks-dead': 0,
    'lost-files': 0,
    evicted: 0,
  };
}
