// createMediaStore: composes the resolved options, the opened and recovered backends, the
// download queue with its job, the webhook dispatcher and the handle it returns.

import { createDownloadJob } from './jobs/download-job.js';
import { CompletionEvents } from './media/completion-events.js';
import { openLocalBackends, recoverStore } from './open-store.js';
import { DownloadQueue } from './queue/download-queue.js';
import { type MediaStore, StoreHandle } from './store-handle.js';
import { type MediaStoreOptions, resolveStoreOptions } from './store-options.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

export { isMediaId } from './media/media-id.js';
export type { RegisterInfo, StoreStatus } from './ports/store-api.js';
export type { MediaStore } from './store-handle.js';
export type { MediaStoreOptions, RetryOptions, StoreErrorEvent } from './store-options.js';

/**
 * Opens (or creates) a media store in `dataDir`: SQLite for records, the job queue and the
 * webhook outbox, one file per verified blob. Work left pending by a previous process — even
 * one killed mid-download — resumes at once.
 *
 * @throws {InvalidMediaInputError} invalid options (the message names the option).
 * @throws {MediaStoreError} `locked` when another live store has `dataDir` open.
 * @throws {Error} when `dataDir` cannot be created or the database cannot be opened.
 * @example
 * ```ts
 * const store = await createMediaStore({
 *   client: createMediaClient({ signaling: fromBaileysSocket(sock) }),
 *   dataDir: './media-store',
 *   webhook: { url: 'https://example.com/hooks/media', secret: process.env.HOOK_SECRET! },
 * });
 * const { id } = await store.register(message, { msgId, chatJid, isFromMe: false });
 * ```
 */
export async function createMediaStore(options: MediaStoreOptions): Promise<MediaStore> {
  const resolved = resolveStoreOptions(options);
  const backends = await openLocalBackends(resolved.dataDir);
  const { metadata, blobs } = backends;
  try {
    await recoverStore(metadata, blobs);
  } catch (error) {
    await backends.close();
    throw error;
  }
  const events = new CompletionEvents(resolved.webhook !== undefined);
  const dispatcher =
    resolved.webhook === undefined
      ? undefined
      : new WebhookDispatcher(metadata, resolved.webhook, resolved.report('webhook'));
  let handle: StoreHandle | undefined;
  const job = createDownloadJob({
    metadata,
    blobs,
    client: resolved.client,
    classify: resolved.classify,
    retry: resolved.retry,
    events,
    isClosing: () => handle?.closing ?? false,
    onEventQueued: () => dispatcher?.wake(),
  });
  const queue = new DownloadQueue(
    metadata,
    job,
    { ...resolved.limits, renewEveryMs: 0 },
    resolved.report('queue'),
  );
  handle = new StoreHandle({
    metadata,
    blobs,
    queue,
    dispatcher,
    events,
    shutdownGraceMs: resolved.shutdownGraceMs,
    closeBackends: () => backends.close(),
  });
  queue.wake();
  dispatcher?.wake();
  return handle;
}
