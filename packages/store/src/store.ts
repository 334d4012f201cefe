// createMediaStore: composes the resolved options, the opened and recovered backends (SQLite
// on one machine, PostgreSQL shared by many), the download queue with its job, the webhook
// dispatcher and the handle it returns.

import { createDownloadJob } from './jobs/download-job.js';
import { CompletionEvents } from './media/completion-events.js';
import {
  type OpenedBackends,
  openLocalBackends,
  openSharedBackends,
  recoverStore,
} from './open-store.js';
import { Maintenance } from './ops/maintenance.js';
import { StoreMetrics } from './ops/store-metrics.js';
import { DownloadQueue } from './queue/download-queue.js';
import { type MediaStore, StoreHandle } from './store-handle.js';
import {
  type MediaStoreOptions,
  type ResolvedStoreOptions,
  resolveStoreOptions,
} from './store-options.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

export { isMediaId } from './media/media-id.js';
export type { RegisterInfo, StoreStatus } from './ports/store-api.js';
export type { MediaStore } from './store-handle.js';
export type {
  MediaStoreOptions,
  RetryOptions,
  SharedQueueOptions,
  StoreErrorEvent,
} from './store-options.js';

// Other nodes queue work too: NOTIFY wakes this one, and a slow poll covers missed notices
// (a dropped connection) and leases that expired on a dead node. @returns stop
function watchSharedWork(
  backends: OpenedBackends,
  resolved: ResolvedStoreOptions,
  queue: DownloadQueue,
  dispatcher: WebhookDispatcher | undefined,
): () => void {
  if (!backends.shared || resolved.database === undefined) return () => undefined;
  const unsubscribe = backends.metadata.onWork((what) => {
    if (what === 'jobs') queue.wake();
    else dispatcher?.wake();
  });
  const poll = setInterval(() => {
    queue.wake();
    dispatcher?.wake();
  }, resolved.database.pollIntervalMs);
  poll.unref?.();
  return () => {
    clearInterval(poll);
    unsubscribe();
  };
}

/**
 * Opens (or creates) a media store in `dataDir`: SQLite for records, the job queue and the
 * webhook outbox, one file per verified blob. Work left pending by a previous process — even
 * one killed mid-download — resumes at once. With `database: 'postgres://…'`, those live in
 * PostgreSQL instead and any number of nodes share them: each job runs on one node at a time
 * under a lease, and a dead node's jobs are taken over once its lease expires.
 *
 * @throws {InvalidMediaInputError} invalid options (the message names the option).
 * @throws {MediaStoreError} `locked` when another live store has `dataDir` open.
 * @throws {Error} when `dataDir` cannot be created or the database cannot be opened (or
 * reached and migrated).
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
  const backends =
    resolved.database === undefined
      ? await openLocalBackends(resolved.dataDir, resolved.s3)
      : await openSharedBackends(
          resolved.dataDir,
          resolved.database,
          resolved.report('queue'),
          resolved.s3,
        );
  const { metadata, blobs } = backends;
  try {
    await recoverStore(backends);
  } catch (error) {
    await backends.close();
    throw error;
  }
  const events = new CompletionEvents(resolved.webhook !== undefined);
  const metrics = new StoreMetrics(() => metadata.stats(Date.now()));
  const dispatcher =
    resolved.webhook === undefined
      ? undefined
      : new WebhookDispatcher(metadata, resolved.webhook, resolved.report('webhook'), (s, ok) =>
          metrics.webhookDelivery(s, ok),
        );
  const maintenance = new Maintenance(
    {
      metadata,
      blobs,
      events,
      metrics,
      onEventQueued: () => dispatcher?.wake(),
      onError: resolved.report('queue'),
    },
    resolved.maintenance,
  );
  let handle: StoreHandle | undefined;
  const job = createDownloadJob({
    metadata,
    blobs,
    client: resolved.client,
    classify: resolved.classify,
    retry: resolved.retry,
    events,
    isClosing: () => handle?.closing ?? false,
    onEventQueued: () => {
      dispatcher?.wake();
      maintenance.wake();
    },
    metrics,
    log: resolved.log,
  });
  const queue = new DownloadQueue(
    metadata,
    job,
    {
      ...resolved.limits,
      renewEveryMs: resolved.database === undefined ? 0 : Math.ceil(resolved.database.leaseMs / 3),
    },
    resolved.report('queue'),
  );
  const stopWatching = watchSharedWork(backends, resolved, queue, dispatcher);
  handle = new StoreHandle({
    metadata,
    blobs,
    queue,
    dispatcher,
    events,
    metrics,
    maintenance,
    shutdownGraceMs: resolved.shutdownGraceMs,
    log: resolved.log,
    closeBackends: async () => {
      stopWatching();
      await backends.close();
    },
  });
  queue.wake();
  dispatcher?.wake();
  maintenance.start();
  return handle;
}
