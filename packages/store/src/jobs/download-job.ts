// One download job: fetch the record's media into the blob store's staging file through the
// client, verify and commit it, then settle the job (downloaded, retry later, failed, or
// released on shutdown). Each step that can fail names its failure kind once.

import { decodeMessage, encodeMessage, type Message } from '@wa-media/protocol';
import type { SafeLogger } from '@wa-media/transport';
import type { DownloadFailureKind, ReuploadInfo, StoreMediaClient } from '../client-port.js';
import type { CompletionEvents } from '../media/completion-events.js';
import type { StoreMetrics } from '../ops/store-metrics.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { JobRow, MediaRow, MetadataStore } from '../ports/metadata-store.js';
import { backoffDelay } from '../queue/backoff.js';
import type { JobOutcome, JobRunner } from '../queue/download-queue.js';
import {
  describeFailure,
  FINAL_FAILURE_KINDS,
  type StoreFailureKind,
} from '../queue/failure-policy.js';

/** What a download job needs. */
export interface DownloadJobContext {
  metadata: MetadataStore;
  blobs: BlobStore;
  client: StoreMediaClient;
  classify: (error: unknown) => DownloadFailureKind;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  events: CompletionEvents;
  /** True once the store is closing: an interrupted job is released, not failed. */
  isClosing(): boolean;
  /** A completion event was queued. */
  onEventQueued(): void;
  metrics: StoreMetrics;
  /** The store's log (attempt started / succeeded / failed). */
  log: SafeLogger;
}

/** Why an attempt failed: the kind decides retry or final failure. */
class AttemptFailure {
  constructor(
    readonly kind: StoreFailureKind,
    readonly cause: unknown,
  ) {}
}

// Runs `step`; any error it throws becomes an AttemptFailure of the kind `kindOf` names.
async function step<T>(
  kindOf: StoreFailureKind | ((error: unknown) => StoreFailureKind),
  run: () => T | Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AttemptFailure) throw error;
    throw new AttemptFailure(typeof kindOf === 'string' ? kindOf : kindOf(error), error);
  }
}

function reuploadInfo(row: MediaRow): ReuploadInfo {
  return {
    msgId: row.msg_id,
    chatJid: row.chat_jid,
    isFromMe: row.is_from_me === 1,
    ...(row.participant === null ? {} : { participant: row.participant }),
  };
}

/** The stored blob's size, and the message to keep when a reupload gave the media a new path. */
interface StoredBlob {
  size: number;
  updatedMessage?: Uint8Array | undefined;
}

/** The client's `updatedMessage` (after a media reupload), encoded; undefined when none / odd. */
function updatedMessageOf(result: unknown): Uint8Array | undefined {
  const updated = (result as { updatedMessage?: unknown } | null | undefined)?.updatedMessage;
  if (typeof updated !== 'object' || updated === null) return undefined;
  try {
    return encodeMessage(updated as Message);
  } catch {
    return undefined; // keep the message we had: the next download asks the phone again
  }
}

// The verified blob's size: reused when a crash left it committed, else downloaded now.
async function storeBlob(
  context: DownloadJobContext,
  row: MediaRow,
  signal: AbortSignal,
): Promise<StoredBlob> {
  const { blobs } = context;
  const reused = await step('storage', () => blobs.verify(row.id, row.file_sha256));
  if (reused !== undefined) return { size: reused };
  const message = await step<Message>('unsupported', () => decodeMessage(row.message));
  const result = await step(
    (error) => (signal.aborted ? 'aborted' : context.classify(error)),
    async () => {
      signal.throwIfAborted();
      return context.client.downloadToFile(message, blobs.stagingPath(row.id), {
        reupload: reuploadInfo(row),
        signal,
      });
    },
  );
  if (signal.aborted) throw new AttemptFailure('aborted', signal.reason);
  const size = await step('storage', () => blobs.commit(row.id, row.file_sha256));
  if (size === undefined) {
    throw new AttemptFailure('integrity', new Error('the stored file does not hash to fileSha256'));
  }
  return { size, updatedMessage: updatedMessageOf(result) };
}

async function settleFailure(
  context: DownloadJobContext,
  job: JobRow,
  row: MediaRow,
  failure: AttemptFailure,
  log: SafeLogger,
): Promise<JobOutcome> {
  const { metadata } = context;
  const stillThere = (await metadata.get(row.id)) !== undefined;
  if (failure.kind === 'aborted' || context.isClosing()) {
    if (stillThere) await metadata.releaseJob(row.id, Date.now());
    return 'aborted';
  }
  if (!stillThere) return 'aborted';
  const attempt = job.attempt + 1;
  const recorded = describeFailure(failure.kind, failure.cause, attempt);
  const final = FINAL_FAILURE_KINDS.has(failure.kind) || attempt >= context.retry.maxAttempts;
  context.metrics.attemptFailed(failure.kind, final);
  const { baseDelayMs, maxDelayMs } = context.retry;
  const retryInMs = final ? undefined : backoffDelay(attempt, baseDelayMs, maxDelayMs);
  log.log(final ? 'error' : 'warn', 'download failed', {
    kind: failure.kind,
    code: recorded.code,
    details: recorded.details,
    final,
    retryInMs,
  });
  if (retryInMs === undefined) {
    await metadata.completeFailed(row.id, recorded, Date.now(), context.events.of(row, recorded));
    context.onEventQueued();
  } else {
    await metadata.scheduleRetry(row.id, attempt, Date.now() + retryInMs, recorded);
  }
  return 'failed';
}

/** The queue's job runner for `context`. */
export function createDownloadJob(context: DownloadJobContext): JobRunner {
  return async (job, signal) => {
    const { metadata, blobs } = context;
    const row = await metadata.get(job.media_id);
    if (row === undefined) return 'aborted';
    const log = context.log.child({ mediaId: row.id, attempt: job.attempt + 1 });
    const started = performance.now();
    log.log('info', 'download started', { mediaType: row.type });
    try {
      const { size, updatedMessage } = await storeBlob(context, row, signal);
      const committed = await step('storage', () =>
        metadata.completeDownloaded(
          row.id,
          size,
          Date.now(),
          context.events.of(row),
          updatedMessage,
        ),
      );
      // Deleted while downloading: the blob must not outlive its record.
      if (!committed) await blobs.delete(row.id);
      else {
        context.metrics.downloaded(size);
        context.onEventQueued();
      }
      log.log('info', 'download succeeded', {
        bytes: size,
        ms: Math.round(performance.now() - started),
      });
      return 'succeeded';
    } catch (error) {
      const failure =
        error instanceof AttemptFailure ? error : new AttemptFailure('unknown', error);
      return settleFailure(context, job, row, failure, log);
    }
  };
}
