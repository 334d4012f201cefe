// The JSON shape of a media record in the HTTP API (snake_case, like the rest of the API).

import type { MediaRecord } from '../media/media-record.js';

/** A record as the HTTP API shows it (snake_case, like the rest of the API). */
export function recordToJson(record: MediaRecord): Record<string, unknown> {
  return {
    id: record.id,
    status: record.status,
    type: record.type,
    mime_type: record.mimeType,
    sha256: record.sha256,
    ...(record.fileLength === undefined ? {} : { file_length: record.fileLength }),
    ...(record.size === undefined ? {} : { size: record.size }),
    msg_id: record.msgId,
    chat_jid: record.chatJid,
    is_from_me: record.isFromMe,
    ...(record.participant === undefined ? {} : { participant: record.participant }),
    attempts: record.attempts,
    ...(record.error === undefined
      ? {}
      : {
          errors: [
            { code: record.error.code, title: record.error.title, details: record.error.details },
          ],
        }),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    ...(record.downloadedAt === undefined ? {} : { downloaded_at: record.downloadedAt }),
  };
}
