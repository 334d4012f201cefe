// Prometheus metrics of one store (prom-client, a registry of its own): queue depth and
// records by status read from the database at scrape time, plus this process's counters of
// download outcomes, bytes, retries, reupload failures, evictions and webhook latency.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EvictionReason, StoreStats } from '../ports/metadata-store.js';
import type { StoreFailureKind } from '../queue/failure-policy.js';

/** Kinds that mean the sender's phone was asked to re-upload and that did not help. */
const reuploadKinds: ReadonlySet<StoreFailureKind> = new Set([
  'reupload-failed',
  'reupload-not-found',
]);

/** The store's metrics; `render()` answers a scrape. */
export class StoreMetrics {
  readonly #registry = new Registry();
  readonly #downloads: Counter<'outcome'>;
  readonly #failures: Counter<'kind'>;
  readonly #reuploadFailures: Counter;
  readonly #bytes: Counter;
  readonly #retries: Counter;
  readonly #evictions: Counter<'reason'>;
  readonly #webhook: Histogram<'outcome'>;

  /** `stats` is read at each scrape (queue depth, records, webhooks). */
  constructor(stats: () => Promise<StoreStats>) {
    const registers = [this.#registry];
    let latest: Promise<StoreStats> | undefined;
    // One database read per scrape, shared by the gauges.
    const read = (): Promise<StoreStats> => {
      latest ??= stats().finally(() => {
        setImmediate(() => {
          latest = undefined;
        });
      });
      return latest;
    };
    new Gauge({
      name: 'wa_media_store_queue_jobs',
      help: 'Download jobs by state (pending includes due; due: pending whose time has come)',
      labelNames: ['state'],
      registers,
      async collect() {
        const { jobs } = await read();
        for (const state of ['pending', 'due', 'running'] as const)
          this.set({ state }, jobs[state]);
      },
    });
    new Gauge({
      name: 'wa_media_store_media',
      help: 'Media records by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const { media } = await read();
        for (const [status, count] of Object.entries(media)) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'wa_media_store_webhook_events',
      help: 'Webhook events by state',
      labelNames: ['state'],
      registers,
      async collect() {
        const { outbox } = await read();
        for (const [state, count] of Object.entries(outbox)) this.set({ state }, count);
      },
    });
    this.#downloads = new Counter({
      name: 'wa_media_store_downloads_total',
      help: 'Download attempts run by this process, by outcome (downloaded, retry, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.#failures = new Counter({
      name: 'wa_media_store_download_failures_total',
      help: 'Failed download attempts by failure kind',
      labelNames: ['kind'],
      registers,
    });
    this.#reuploadFailures = new Counter({
      name: 'wa_media_store_reupload_failures_total',
      help: "Downloads whose media reupload (asking the sender's phone) failed",
      registers,
    });
    this.#bytes = new Counter({
      name: 'wa_media_store_downloaded_bytes_total',
      help: 'Verified bytes stored by this process',
      registers,
    });
    this.#retries = new Counter({
      name: 'wa_media_store_retry_requests_total',
      help: 'retryDownload calls (GET /v1/media/{id}/download)',
      registers,
    });
    this.#evictions = new Counter({
      name: 'wa_media_store_evictions_total',
      help: 'Records evicted by retention or the size quota',
      labelNames: ['reason'],
      registers,
    });
    this.#webhook = new Histogram({
      name: 'wa_media_store_webhook_delivery_seconds',
      help: 'Webhook delivery latency by outcome (delivered, failed)',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  downloaded(bytes: number): void {
    this.#downloads.inc({ outcome: 'downloaded' });
    this.#bytes.inc(bytes);
  }

  attemptFailed(kind: StoreFailureKind, final: boolean): void {
    this.#downloads.inc({ outcome: final ? 'failed' : 'retry' });
    this.#failures.inc({ kind });
    if (reuploadKinds.has(kind)) this.#reuploadFailures.inc();
  }

  retryRequested(): void {
    this.#retries.inc();
  }

  evicted(reason: EvictionReason): void {
    this.#evictions.inc({ reason });
  }

  webhookDelivery(seconds: number, delivered: boolean): void {
    this.#webhook.observe({ outcome: delivered ? 'delivered' : 'failed' }, seconds);
  }

  /** The text exposition format and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.#registry.contentType, body: await this.#registry.metrics() };
  }
}
