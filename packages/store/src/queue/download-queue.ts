import type { JobRow, StoreDatabase } from '../db/store-database.js';

/** Limits of the download queue. */
export interface QueueLimits {
  /** Downloads running at once, overall. */
  concurrency: number;
  /** Downloads running at once against one CDN host. */
  perHostConcurrency: number;
  /** After a failed attempt against a host, wait this long before starting another there. */
  hostDelayMs: number;
}

/** What a job run reports back, so the queue can be polite to failing hosts. */
export type JobOutcome = 'succeeded' | 'failed' | 'aborted';

/** Runs one job; must settle the job's row itself (complete, reschedule or release). */
export type JobRunner = (job: JobRow, signal: AbortSignal) => Promise<JobOutcome>;

/**
 * Starts due jobs from the SQLite queue within the limits. The database is the queue: this
 * class only holds what is running now, so a restart loses nothing.
 */
export class DownloadQueue {
  readonly #db: StoreDatabase;
  readonly #run: JobRunner;
  readonly #limits: QueueLimits;
  readonly #onError: (error: unknown) => void;
  readonly #running = new Map<
    string,
    { host: string; controller: AbortController; done: Promise<void> }
  >();
  readonly #perHost = new Map<string, number>();
  readonly #hostNotBefore = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #closed = false;

  constructor(
    db: StoreDatabase,
    run: JobRunner,
    limits: QueueLimits,
    onError: (error: unknown) => void,
  ) {
    this.#db = db;
    this.#run = run;
    this.#limits = limits;
    this.#onError = onError;
  }

  /** Jobs running now. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** Looks for due work now (after a register, a retry, a finished job). */
  wake(): void {
    if (this.#closed) return;
    try {
      this.#pump();
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Aborts the running job of one media, if any, and waits for it to settle. */
  async abort(mediaId: string): Promise<void> {
    const entry = this.#running.get(mediaId);
    if (entry === undefined) return;
    entry.controller.abort(new Error('media deleted'));
    await entry.done;
  }

  /**
   * Stops starting jobs, aborts the running ones and waits for them to settle — at most
   * `graceMs`: a client that ignores its abort signal must not block shutdown. A job still
   * running then stays `running` in the database and goes back to pending on the next start.
   */
  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    const entries = [...this.#running.values()];
    for (const entry of entries) entry.controller.abort(new Error('store closed'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(entries.map((entry) => entry.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
  }

  #pump(): void {
    const now = Date.now();
    let free = this.#limits.concurrency - this.#running.size;
    // Hosts at their limit or pausing after a failure are left out of the query itself, so
    // any number of jobs waiting for a busy host never hides due work for another host.
    const blocked = new Set<string>();
    for (const [host, running] of this.#perHost) {
      if (running >= this.#limits.perHostConcurrency) blocked.add(host);
    }
    for (const [host, notBefore] of this.#hostNotBefore) {
      if (notBefore > now) blocked.add(host);
      else this.#hostNotBefore.delete(host);
    }
    while (free > 0) {
      const due = this.#db.dueJobs(now, free, [...blocked]);
      if (due.length === 0) break;
      let started = 0;
      for (const job of due) {
        if (free <= 0) break;
        // A job settling right now is pending in the database but still ours for a moment.
        if (blocked.has(job.host_key) || this.#running.has(job.media_id)) continue;
        this.#start(job);
        started++;
        free--;
        if ((this.#perHost.get(job.host_key) ?? 0) >= this.#limits.perHostConcurrency) {
          blocked.add(job.host_key);
        }
      }
      // Nothing startable in this batch: its settling job wakes the queue again when done.
      if (started === 0) break;
    }
    this.#armTimer(now);
  }

  #start(job: JobRow): void {
    const host = job.host_key;
    const controller = new AbortController();
    this.#perHost.set(host, (this.#perHost.get(host) ?? 0) + 1);
    const done = (async () => {
      let outcome: JobOutcome = 'failed';
      try {
        outcome = await this.#run(job, controller.signal);
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#running.delete(job.media_id);
        const left = (this.#perHost.get(host) ?? 1) - 1;
        if (left <= 0) this.#perHost.delete(host);
        else this.#perHost.set(host, left);
        if (outcome === 'failed' && this.#limits.hostDelayMs > 0) {
          this.#hostNotBefore.set(host, Date.now() + this.#limits.hostDelayMs);
        }
      }
      this.wake();
    })();
    this.#running.set(job.media_id, { host, controller, done });
  }

  #armTimer(now: number): void {
    let at = this.#db.nextJobAt();
    if (at === undefined) {
      this.#clearTimer();
      return;
    }
    // A due job held back by a host delay: look again when the earliest delay ends.
    if (at <= now) {
      const delays = [...this.#hostNotBefore.values()].filter((time) => time > now);
      at = delays.length > 0 ? Math.min(...delays) : Number.POSITIVE_INFINITY;
      if (at === Number.POSITIVE_INFINITY) {
        // Blocked only by concurrency limits: a finishing job wakes the queue.
        this.#clearTimer();
        return;
      }
    }
    if (this.#timer !== undefined && this.#timerAt <= at) return;
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Number.POSITIVE_INFINITY;
        this.wake();
      },
      Math.max(0, at - now),
    );
    this.#timer.unref?.();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }
}
