// Options of createMediaStore: their documented shape and their resolution into checked values
// with defaults (every invalid option is refused here, naming it).

import { createSafeLogger, type Logger, type SafeLogger } from '@wa-media/transport';
import { parseS3Url, type S3BlobOptions, type S3Location } from './blobs/s3-location.js';
import type { DownloadFailureKind, StoreMediaClient } from './client-port.js';
import { classifyDownloadFailure } from './client-port.js';
import { InvalidMediaInputError } from './errors.js';
import type { WebhookOptions } from './webhooks/webhook-dispatcher.js';

/** Retry policy of downloads. */
export interface RetryOptions {
  /** Attempts per download before the record fails (final kinds fail at once). @default 5 */
  maxAttempts?: number;
  /** Delay before the first retry; doubles per attempt, with jitter. @default 1000 */
  baseDelayMs?: number;
  /** Longest delay between attempts. @default 300000 (5 minutes) */
  maxDelayMs?: number;
}

/** A background problem the store handled (a failed database write, …), for logging. */
export interface StoreErrorEvent {
  /** Where it happened: `download`, `webhook` or `queue`. */
  context: 'download' | 'webhook' | 'queue';
  /** What was thrown (messages carry no secrets). */
  error: unknown;
}

/** Tuning of a store on PostgreSQL (a queue shared by many nodes). */
export interface SharedQueueOptions {
  /**
   * How long a claimed job (or webhook delivery) stays this node's without renewal; running
   * jobs renew it every third of it. A node killed mid-download loses its jobs to another
   * node this long after its last renewal. @default 30000
   */
  leaseMs?: number;
  /**
   * Safety-net poll for due work, besides LISTEN/NOTIFY (which a dropped connection can miss).
   * @default 5000
   */
  pollIntervalMs?: number;
  /** Connections in the pool. @default 10 */
  poolSize?: number;
}

/** Options of `createMediaStore`. */
export interface MediaStoreOptions {
  /**
   * Downloads media: `createMediaClient()` of `@wa-media/client` (give it `signaling` so expired
   * media is re-requested from the sender's phone), or any {@link StoreMediaClient}.
   */
  client: StoreMediaClient;
  /**
   * Directory of the SQLite file (`store.db`) and the blobs (`blobs/`). Created if missing.
   * With `database`, it holds only the blobs (several nodes may share it).
   */
  dataDir: string;
  /**
   * A PostgreSQL URL (`postgres://user:password@host:5432/db`): records, the job queue and the
   * webhook outbox live there, shared by every node given the same URL; the schema is migrated
   * on start. Without it, SQLite in `dataDir` under an exclusive directory lock.
   * @default undefined (SQLite)
   * @example 'postgres://wa:secret@db.internal:5432/wa_media'
   */
  database?: string;
  /** Queue tuning with `database`. */
  sharedQueue?: SharedQueueOptions;
  /**
   * Where verified bytes live: an S3-compatible bucket and key prefix. Downloads are staged in
   * `dataDir/staging`, verified, uploaded under a temporary key and copied to `prefix/<id>`
   * only then, so a half-written object is never served. Without it, `dataDir/blobs`.
   * @default undefined (the local folder)
   * @example 's3://wa-media/prod/'
   */
  blobs?: string;
  /** Endpoint, region, path-style and credentials of the `blobs` bucket. */
  s3?: S3BlobOptions;
  /**
   * Retention: records (and their bytes) older than this are evicted, each announced by an
   * `evicted` webhook. A duration (`'30d'`, `'12h'`, `'90m'`, `'45s'`) or milliseconds.
   * @default undefined (kept forever)
   * @example '30d'
   */
  keep?: string | number;
  /**
   * Size quota: while the stored bytes exceed this, the oldest downloaded records are evicted
   * (each announced by an `evicted` webhook). @default undefined (no quota)
   */
  maxBytes?: number;
  /** Time between retention and quota passes (one also follows downloads). @default 60000 */
  maintenanceIntervalMs?: number;
  /** Completion webhooks; without it no events are queued. */
  webhook?: WebhookOptions;
  /** Downloads running at once. @default 4 */
  concurrency?: number;
  /**
   * Downloads running at once against one CDN host (the host of the message's `url`; real
   * WhatsApp messages all name mmg.whatsapp.net, so for them this is the effective limit).
   * @default 4
   */
  perHostConcurrency?: number;
  /** Pause before the next start against a host after an attempt there failed. @default 250 */
  hostDelayMs?: number;
  /** Download retries. */
  retry?: RetryOptions;
  /** Overrides how a client error is classified. @default classifyDownloadFailure */
  classifyError?: (error: unknown) => DownloadFailureKind;
  /**
   * On close(), how long to wait for running downloads to stop after aborting them. Work that
   * has not stopped by then resumes on the next start. @default 5000
   */
  shutdownGraceMs?: number;
  /** Called for background problems (never with secrets). @default ignore */
  onError?: (event: StoreErrorEvent) => void;
  /**
   * A pino-compatible logger (`{ debug, info, warn, error }`): media registered, each download
   * attempt started / succeeded (bytes, ms) / failed (kind, code, whether it is retried and
   * when), and background problems. Lines never hold media keys, tokens or URL query values.
   * Give the client its own `logger` too for the CDN-level lines (hosts, retries, failover).
   * @default no logging
   * @example
   * ```ts
   * const logger = pino();
   * const store = await createMediaStore({ client: createNodeMediaClient({ logger }), dataDir, logger });
   * ```
   */
  logger?: Logger;
}

/** The options after checks, with every default applied. */
export interface ResolvedStoreOptions {
  client: StoreMediaClient;
  dataDir: string;
  /** The PostgreSQL settings, when `database` was given. */
  database:
    | { connectionString: string; leaseMs: number; pollIntervalMs: number; poolSize: number }
    | undefined;
  /** The bucket, when `blobs` names one. */
  s3: { location: S3Location; options: S3BlobOptions } | undefined;
  webhook: WebhookOptions | undefined;
  maintenance: { keepMs: number | undefined; maxBytes: number | undefined; intervalMs: number };
  limits: { concurrency: number; perHostConcurrency: number; hostDelayMs: number };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  shutdownGraceMs: number;
  classify: (error: unknown) => DownloadFailureKind;
  /** Reports a background problem (to `onError` and the log); never throws. */
  report: (context: StoreErrorEvent['context']) => (error: unknown) => void;
  /** Where the store's lines go (redacted; does nothing without `logger`). */
  log: SafeLogger;
}

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidMediaInputError(name, 'must be a positive integer');
  }
  return value;
}

function nonNegative(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new InvalidMediaInputError(name, 'must be a non-negative number');
  }
  return value;
}

function checkClient(client: unknown): StoreMediaClient {
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof (client as StoreMediaClient).downloadToFile !== 'function'
  ) {
    throw new InvalidMediaInputError('options.client', 'must have a downloadToFile method');
  }
  return client as StoreMediaClient;
}

function checkWebhook(webhook: WebhookOptions | undefined): WebhookOptions | undefined {
  if (webhook === undefined) return undefined;
  const { url, secret } = webhook;
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {}
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new InvalidMediaInputError('options.webhook.url', 'must be an http(s) URL');
  }
  if (typeof secret !== 'string' || secret.length < 16) {
    throw new InvalidMediaInputError('options.webhook.secret', 'must be at least 16 characters');
  }
  return webhook;
}

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Milliseconds of a duration: `'30d'`, `'12h'`, `'90m'`, `'45s'`, `'500ms'` or a number of ms.
 * @throws {InvalidMediaInputError} naming `name` for anything else.
 */
export function parseDuration(value: string | number, name: string): number {
  if (typeof value === 'number') return positiveInteger(value, name, 0);
  const match = /^(\d{1,12})(ms|s|m|h|d)$/.exec(typeof value === 'string' ? value.trim() : '');
  const ms = match === null ? Number.NaN : Number(match[1]) * (durationUnits[match[2]!] ?? 0);
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new InvalidMediaInputError(name, "must be a duration such as '30d', '12h' or '90m'");
  }
  return ms;
}

function checkDatabase(
  database: string | undefined,
  shared: SharedQueueOptions | undefined,
): ResolvedStoreOptions['database'] {
  if (database === undefined) return undefined;
  let protocol = '';
  try {
    protocol = new URL(database).protocol;
  } catch {}
  // The URL carries a password: it is never quoted in the error.
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new InvalidMediaInputError('options.database', 'must be a postgres:// URL');
  }
  const leaseMs = positiveInteger(shared?.leaseMs, 'options.sharedQueue.leaseMs', 30_000);
  return {
    connectionString: database,
    leaseMs,
    pollIntervalMs: positiveInteger(
      shared?.pollIntervalMs,
      'options.sharedQueue.pollIntervalMs',
      5000,
    ),
    poolSize: positiveInteger(shared?.poolSize, 'options.sharedQueue.poolSize', 10),
  };
}

/**
 * Checks `options` and fills in defaults.
 * @throws {InvalidMediaInputError} an invalid option (the message names it).
 */
export function resolveStoreOptions(options: MediaStoreOptions): ResolvedStoreOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidMediaInputError('options', 'must be an object');
  }
  const client = checkClient(options.client);
  if (typeof options.dataDir !== 'string' || options.dataDir === '') {
    throw new InvalidMediaInputError('options.dataDir', 'must be a directory path');
  }
  const webhook = checkWebhook(options.webhook);
  const { onError } = options;
  const log = createSafeLogger(options.logger, { bindings: { component: 'wa-media/store' } });
  return {
    client,
    dataDir: options.dataDir,
    database: checkDatabase(options.database, options.sharedQueue),
    s3:
      options.blobs === undefined
        ? undefined
        : { location: parseS3Url(options.blobs, 'options.blobs'), options: options.s3 ?? {} },
    webhook,
    maintenance: {
      keepMs: options.keep === undefined ? undefined : parseDuration(options.keep, 'options.keep'),
      maxBytes:
        options.maxBytes === undefined
          ? undefined
          : positiveInteger(options.maxBytes, 'options.maxBytes', 0),
      intervalMs: positiveInteger(
        options.maintenanceIntervalMs,
        'options.maintenanceIntervalMs',
        60_000,
      ),
    },
    limits: {
      concurrency: positiveInteger(options.concurrency, 'options.concurrency', 4),
      perHostConcurrency: positiveInteger(
        options.perHostConcurrency,
        'options.perHostConcurrency',
        4,
      ),
      hostDelayMs: nonNegative(options.hostDelayMs, 'options.hostDelayMs', 250),
    },
    retry: {
      maxAttempts: positiveInteger(options.retry?.maxAttempts, 'options.retry.maxAttempts', 5),
      baseDelayMs: nonNegative(options.retry?.baseDelayMs, 'options.retry.baseDelayMs', 1000),
      maxDelayMs: nonNegative(options.retry?.maxDelayMs, 'options.retry.maxDelayMs', 300_000),
    },
    shutdownGraceMs: nonNegative(options.shutdownGraceMs, 'options.shutdownGraceMs', 5000),
    classify: options.classifyError ?? classifyDownloadFailure,
    log,
    report: (context) => (error) => {
      log.log('error', 'background error', { context, error: errorFields(error) });
      try {
        onError?.({ context, error });
      } catch {}
    },
  };
}

/** `{ name, message }` of a background error, for its log line (redacted there). */
function errorFields(error: unknown): { name: string; message: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    message?: unknown;
  };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}
