// The scheduler: claims due jobs from the MetadataStore within the overall and per-host
// limits, runs them, keeps their claims alive, and looks again when work may be due.
import type { JobRow, MetadataStore } from '../ports/metadata-store.js';

/** Limits of the download queue. */
export interface QueueLimits {
  /** Downloads running at once, overall. */
  concurrency: number;
  /** Downloads running at once against one CDN host. */
  perHostConcurrency: number;
  /** After a failed attempt against a host, wait this long before starting another there. */
  hostDelayMs: number;
  /** How often running jobs' claims are renewed (shared queues); 0 = never. */
  renewEveryMs: number;
}

/** What a job run reports back, so the queue can be polite to failing hosts. */
export type JobOutcome = 'succeeded' | 'failed' | 'aborted';

/** Runs one job; must settle the job's row itself (complete, reschedule or release). */
export type JobRunner = (job: JobRow, signal: AbortSignal) => Promise<JobOutcome>;

/**
 * Starts due jobs from the database within the limits. The database is the queue: this class
 * only holds what is running now, so a restart loses nothing.
 */
export class DownloadQueue {
  readonly #db: MetadataStore;
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
  #renewTimer: NodeJS.Timeout | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(
    db: MetadataStore,
    run: JobRunner,
    limits: QueueLimits,
    onError: (error: unknown) => void,
  ) {
    this.#db = db;
    this.#run = run;
    this.#limits = limits;
    this.#onError = onError;
    if (limits.renewEveryMs > 0) {
      this.#renewTimer = setInterval(() => this.#renew(), limits.renewEveryMs);
      this.#renewTimer.unref?.();
    }
  }

  /** Jobs running now. */
  get runningCount(): number {
    return this.#running.size;
  }

  /** Looks for due work now (after a register, a retry, a finished job). */
  wake(): void {
    if (this.#closed) return;
    if (this.#pumping !== undefined) {
      this.#again = true;
      return;
    }
    this.#pumping = this.#pump()
      .catch((error: unknown) => this.#onError(error))
      .finally(() => {
        this.#pumping = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
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
    clearInterval(this.#renewTimer);
    await this.#pumping;
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

  async #pump(): Promise<void> {
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
    while (free > 0 && !this.#closed) {
      // One host at a time per claim when per-host limits bind, so a claim never takes more
      // jobs of one host than may start; a job settling right now is excluded by id.
      const claimed = await this.#db.claimDueJobs({
        now,
        limit: Math.min(free, this.#limits.perHostConcurrency),
        excludeHosts: [...blocked],
        excludeIds: [...this.#running.keys()],
      });
      if (claimed.length === 0) break;
      for (const job of claimed) {
        const host = job.host_key;
        if (this.#closed || blocked.has(host)) {
          // Claimed past a limit (several jobs of one host in one claim): give it back.
          await this.#db.releaseJob(job.media_id, Date.now());
          continue;
        }
        this.#start(job);
        free--;
        if ((this.#perHost.get(host) ?? 0) >= this.#limits.perHostConcurrency) blocked.add(host);
      }
    }
    await this.#armTimer(now);
  }

  #renew(): void {
    if (this.#running.size === 0) return;
    this.#db.renewClaims([...this.#running.keys()], Date.now()).catch(this.#onError);
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

  async #armTimer(now: number): Promise<void> {
    if (this.#closed) return;
    let at = await this.#db.nextJobAt();
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
