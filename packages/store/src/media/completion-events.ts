// The webhook events of a record's completion (downloaded / failed) or eviction, and what a
// record shows while its lost file is fetched again.

import { randomUUID } from 'node:crypto';
import {
  type ApiError,
  STORE_ERROR_CODES,
  STORE_ERROR_TITLES,
  type WebhookOutcome,
  webhookBody,
} from '../api-shapes.js';
import type {
  EvictionReason,
  MediaRow,
  NewOutboxEvent,
  RecordedFailure,
} from '../ports/metadata-store.js';

/** `MediaNotReadyError.reason` of a record whose file was lost. */
export const lostFileReason = 'the stored file was missing or damaged; downloading it again';

/** What a record shows while its lost file is fetched again. */
export const lostFileFailure: RecordedFailure = {
  kind: 'missing-file',
  code: STORE_ERROR_CODES.internalError,
  title: STORE_ERROR_TITLES[STORE_ERROR_CODES.internalError] ?? 'Internal error',
  details: 'The stored file was missing or damaged; downloading it again.',
};

/**
 * Builds completion events, or none when the store has no webhook. Each event gets a fresh
 * id, kept across its redeliveries.
 */
export class CompletionEvents {
  readonly #enabled: boolean;

  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** The event of `row` downloaded, or failed with `failure`. */
  of(row: MediaRow, failure?: RecordedFailure): NewOutboxEvent | undefined {
    if (failure === undefined) return this.#event(row, { status: 'downloaded' });
    const error: ApiError = { code: failure.code, title: failure.title, details: failure.details };
    return this.#event(row, { status: 'failed', failure: error });
  }

  /** The event of `row` evicted by retention or the quota. */
  evicted(row: MediaRow, reason: EvictionReason): NewOutboxEvent | undefined {
    return this.#event(row, { status: 'evicted', reason });
  }

  #event(row: MediaRow, outcome: WebhookOutcome): NewOutboxEvent | undefined {
    if (!this.#enabled) return undefined;
    const media = {
      id: row.id,
      type: row.type,
      mimeType: row.mime_type,
      sha256Hex: row.file_sha256.toString('hex'),
    };
    return {
      eventId: randomUUID(),
      mediaId: row.id,
      kind: outcome.status,
      body: JSON.stringify(webhookBody(media, outcome)),
    };
  }
}
