// Retention and the size quota: a periodic pass (and one after downloads) that evicts records
// older than `keep`, then the oldest downloaded ones while the stored bytes exceed `maxBytes`;
// each eviction deletes the blob and queues an `evicted` webhook in the same step.

import type { CompletionEvents } from '../media/completion-events.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { EvictionReason, MetadataStore } from '../ports/metadata-store.js';
import type { StoreMetrics } from './store-metrics.js';

/** What to keep. */
export interface MaintenancePolicy {
  /** Records older than this (ms since registration) are evicted. */
  keepMs: number | undefined;
  /** Stored bytes above this evict the oldest downloaded records. */
  maxBytes: number | undefined;
  /** Time between passes. */
  intervalMs: number;
}

/** What a pass acts on. */
export interface MaintenanceContext {
  metadata: MetadataStore;
  blobs: BlobStore;
  events: CompletionEvents;
  metrics: StoreMetrics;
  onEventQueued(): void;
  onError(error: unknown): void;
}

const batch = 100;

/** Runs the passes; idle (no timer) when the policy keeps everything. */
export class Maintenance {
  readonly #context: MaintenanceContext;
  readonly #policy: MaintenancePolicy;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(context: MaintenanceContext, policy: MaintenancePolicy) {
    this.#context = context;
    this.#policy = policy;
  }

  get #active(): boolean {
    return this.#policy.keepMs !== undefined || this.#policy.maxBytes !== undefined;
  }

  start(): void {
    if (!this.#active) return;
    this.#timer = setInterval(() => this.wake(), this.#policy.intervalMs);
    this.#timer.unref?.();
    this.wake();
  }

  /** Runs a pass soon (after a download: the quota may be exceeded now). */
  wake(): void {
    if (!this.#active || this.#closed) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.runOnce()
      .then(() => undefined)
      .catch((error: unknown) => this.#context.onError(error))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** One pass. @returns how many records it evicted */
  async runOnce(): Promise<number> {
    let evicted = 0;
    const { keepMs, maxBytes } = this.#policy;
    const { metadata } = this.#context;
    if (keepMs !== undefined) {
      for (;;) {
        const ids = await metadata.createdBefore(Date.now() - keepMs, batch);
        for (const id of ids) evicted += (await this.#evict(id, 'retention')) ? 1 : 0;
        if (ids.length < batch || this.#closed) break;
      }
    }
    if (maxBytes !== undefined) {
      for (;;) {
        const ids = await metadata.overQuota(maxBytes, batch);
        let progressed = false;
        for (const id of ids) {
          if (await this.#evict(id, 'quota')) {
            evicted++;
            progressed = true;
          }
        }
        if (ids.length < batch || !progressed || this.#closed) break;
      }
    }
    return evicted;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running;
  }

  async #evict(id: string, reason: EvictionReason): Promise<boolean> {
    const { metadata, blobs, events, metrics } = this.#context;
    const row = await metadata.get(id);
    if (row === undefined) return false;
    // Another node may evict it at the same moment: only the one whose delete counted announces.
    if (!(await metadata.evict(id, Date.now(), events.evicted(row, reason)))) return false;
    await blobs.delete(id);
    metrics.evicted(reason);
    this.#context.onEventQueued();
    return true;
  }
}
