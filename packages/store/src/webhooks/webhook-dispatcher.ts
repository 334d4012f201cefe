// Webhook delivery: sends the outbox's events, oldest first, signed afresh per attempt, with
// backoff, at least once (receivers dedupe on the stable event id).
import type { MetadataStore, OutboxRow } from '../ports/metadata-store.js';
import { backoffDelay } from '../queue/backoff.js';
import {
  signWebhookBody,
  WEBHOOK_ATTEMPT_HEADER,
  WEBHOOK_EVENT_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './signature.js';

/**
 * Where and how completion webhooks are delivered. Delivery is at least once: every event has
 * an id (`X-WA-Media-Event-Id`) that stays the same across redeliveries, so receivers
 * deduplicate on it.
 */
export interface WebhookOptions {
  /** The receiver's URL (http or https). Its query string is never logged. */
  url: string;
  /** HMAC-SHA256 key of `X-WA-Media-Signature` (over `"<timestamp>.<event id>.<raw body>"`). */
  secret: string;
  /** Deliveries tried per event before it is given up (`dead`). @default 10 */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt (with jitter). @default 1000 */
  baseDelayMs?: number;
  /** Longest retry delay. @default 300000 (5 minutes) */
  maxDelayMs?: number;
  /** Time limit of one delivery. @default 10000 */
  timeoutMs?: number;
}

/** The receiver URL without query or credentials, safe for error messages. */
export function receiverUrlForLogs(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`;
  } catch {
    return '<invalid url>';
  }
}

/** Bytes of a receiver's answer read before the rest is refused. */
const maxReplyBytes = 4096;

/** Reads and drops at most `limit` bytes of `body`, then cancels it; never throws. */
export async function discardBody(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<void> {
  if (body === null) return;
  const reader = body.getReader();
  try {
    let read = 0;
    while (read <= limit) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body that breaks off is as good as read.
  } finally {
    reader.releaseLock();
  }
}

/** Sends the outbox's events, oldest first, retrying with backoff. */
export class WebhookDispatcher {
  readonly #db: MetadataStore;
  readonly #options: Required<WebhookOptions>;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #closed = false;
  readonly #abort = new AbortController();

  readonly #onDelivery: (seconds: number, delivered: boolean) => void;

  /** `onDelivery` hears each attempt's latency (metrics). */
  constructor(
    db: MetadataStore,
    options: WebhookOptions,
    onError: (error: unknown) => void,
    onDelivery: (seconds: number, delivered: boolean) => void = () => undefined,
  ) {
    this.#onDelivery = onDelivery;
    this.#db = db;
    this.#options = {
      maxAttempts: 10,
      baseDelayMs: 1000,
      maxDelayMs: 300_000,
      timeoutMs: 10_000,
      ...options,
    };
    this.#onError = onError;
  }

  /** Delivers what is due now (call after queueing an event). */
  wake(): void {
    if (this.#closed) return;
    if (this.#pumping !== undefined) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#again) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** Stops; an interrupted delivery stays pending and is sent again on the next start. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#abort.abort();
    await this.#pumping;
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        if (this.#closed) return;
        const due = await this.#db.dueEvents(Date.now(), 16);
        if (due.length === 0) break;
        for (const event of due) {
          if (this.#closed) return;
          await this.#deliver(event);
        }
      }
      await this.#arm();
    } catch (error) {
      this.#onError(error);
    }
  }

  async #deliver(event: OutboxRow): Promise<void> {
    const attempt = event.attempts + 1;
    let problem: string;
    const started = performance.now();
    try {
      // Signed afresh per delivery: a redelivery hours later still passes the receiver's
      // freshness check, while a captured old delivery does not.
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(this.#options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(
            event.body,
            this.#options.secret,
            timestamp,
            event.event_id,
          ),
          [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
          [WEBHOOK_EVENT_ID_HEADER]: event.event_id,
          [WEBHOOK_ATTEMPT_HEADER]: String(attempt),
        },
        body: event.body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#options.timeoutMs)]),
        redirect: 'manual',
      });
      // The answer's body is not used: a few KiB are read (so a short one leaves the connection
      // reusable), the rest is refused, however much the receiver sends.
      await discardBody(response.body, maxReplyBytes);
      const delivered = response.status >= 200 && response.status < 300;
      this.#onDelivery((performance.now() - started) / 1000, delivered);
      if (delivered) {
        await this.#db.markEventDelivered(event.seq, Date.now());
        return;
      }
      problem = `${receiverUrlForLogs(this.#options.url)} answered ${response.status}`;
    } catch (error) {
      if (this.#closed) return;
      this.#onDelivery((performance.now() - started) / 1000, false);
      problem = `${receiverUrlForLogs(this.#options.url)} unreachable (${(error as Error)?.name ?? 'Error'})`;
    }
    const next =
      attempt >= this.#options.maxAttempts
        ? undefined
        : Date.now() + backoffDelay(attempt, this.#options.baseDelayMs, this.#options.maxDelayMs);
    await this.#db.markEventFailed(event.seq, next, problem);
  }

  async #arm(): Promise<void> {
    if (this.#closed) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const at = await this.#db.nextEventAt();
    if (this.#closed) return;
    if (at === undefined) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.wake();
      },
      Math.max(0, at - Date.now()),
    );
    this.#timer.unref?.();
  }
}
