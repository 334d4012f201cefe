// The one CDN driver: every upload and download runs its host loop here. It owns the passes
// over the media_conn hosts, the host order, same-host retries and their delays, the attempts
// record, the one credential refresh per operation and the final error. An operation supplies
// only one try of one URL and what to do on not-found and integrity failures. The status table
// it acts on is `classifyCdnFailure` (cdn-policy.ts); each retry rule below is written once.

import type { MediaConn } from '@wa-media/protocol';
import { safeUrl, type TransferAttempt } from '../errors.js';
import type { MediaConnCache } from '../media-conn/media-conn-cache.js';
import type { TransferControl } from '../transfers/transfer.js';
import {
  type CdnVerdict,
  classifyCdnFailure,
  type ResolvedRetryPolicy,
  retryDelay,
  sleep,
} from './cdn-policy.js';

/** The final-error codes the driver itself gives. */
export type CdnFailureCode = 'auth-failed' | 'all-hosts-failed';

/** What the driver needs from the client. */
export interface CdnDriverContext {
  readonly mediaConn: MediaConnCache;
  readonly hasSignaling: boolean;
  readonly retry: ResolvedRetryPolicy;
}

/** The part of a transfer the driver acts on: pause / cancel and the signal of each try. */
export type CdnControl = Pick<TransferControl, 'signal' | 'interrupted' | 'checkpoint'>;

/**
 * What one operation may spend once, shared when it runs the driver more than once (a range
 * download that falls back to the full blob): the one media_conn refresh.
 */
export interface CdnBudget {
  refreshUsed: boolean;
}

/** The hosts of one pass and the connection they come from (none: the fallback hosts). */
export interface CdnPass {
  readonly hosts: readonly string[];
  readonly conn: MediaConn | undefined;
}

/** One URL to try. */
export interface CdnTarget {
  /** The URL (signed: only its redacted form reaches the attempts). */
  readonly url: string;
  /**
   * A hint whose failure says nothing about the hosts (a message's `staticUrl`): any failure
   * moves on to the next target without the status rules, and it is not offered again.
   */
  readonly bestEffort?: boolean;
}

/** What the not-found hook gets: the failure, and the operation's attempts to extend. */
export interface CdnNotFound {
  readonly status: number;
  readonly error: unknown;
  /** The attempts so far (this failure included); a hook may add its own. */
  readonly attempts: TransferAttempt[];
  readonly control: CdnControl;
}

/** An upload or a download, as the driver sees it. */
export interface CdnOperation<R, T extends CdnTarget> {
  /**
   * Hosts when there is no media_conn (no signalling, or the query failed: the failure is kept
   * as an attempt). `undefined`: the operation needs media_conn, its failure ends it.
   */
  readonly fallbackHosts: readonly string[] | undefined;
  /** How the final `all-hosts-failed` message starts, e.g. `No host took the upload`. */
  readonly allHostsFailed: string;
  /** The targets of one pass, in the order to try them. */
  targets(pass: CdnPass): readonly T[];
  /** One try of one target; throws what the request (or the verification) threw. */
  tryOnce(target: T, pass: CdnPass, signal: AbortSignal): Promise<R>;
  /** The operation's final error for a code of the driver's. */
  fail(
    code: CdnFailureCode,
    message: string,
    details: { attempts: readonly TransferAttempt[]; cause: unknown },
  ): Error;
  /**
   * A failure no other host can fix (the source or the sink broke) ends the operation at once:
   * `'as-is'` rethrows it unrecorded; a function builds the final error from the attempts
   * (this failure included). `undefined`: the status rules apply.
   */
  stops?(error: unknown): 'as-is' | ((attempts: readonly TransferAttempt[]) => Error) | undefined;
  /**
   * 404/410 once the operation's refresh is spent: resolve `'new-pass'` to start over (after a
   * media reupload gave a new path), or throw the final error. Without this hook a 404/410
   * drops the connection (only if still cached) and moves on to the next host.
   */
  onNotFound?(notFound: CdnNotFound): Promise<'new-pass'>;
  /**
   * After an integrity failure: forget the bytes received. `'again-once'` when the same host
   * deserves one more whole try (the bad bytes may have come from another host).
   * @default next host
   */
  onIntegrity?(): Promise<'again-once' | 'next-host'>;
  /**
   * The most one try may last, in ms: past it the try is aborted and counts as a failed try
   * of that host (a drip that never trips the idle timeout ends here).
   * @default no deadline
   */
  readonly attemptDeadlineMs?: number | undefined;
  /**
   * The curl-style low-speed rule of one try: fewer than `bytesPerSecond × seconds` bytes in
   * one `seconds` window (windows back to back) aborts it (a failed try of that host). Needs `bytesReceived`.
   * @default no rule
   */
  readonly lowSpeed?: LowSpeedRule | undefined;
  /** Bytes the operation received so far (what the low-speed rule watches). */
  bytesReceived?(): number;
}

/** When a host is too slow: below `bytesPerSecond` on average for `seconds`, it counts as failed. */
export interface LowSpeedRule {
  /** Slowest accepted average speed, in bytes per second. */
  readonly bytesPerSecond: number;
  /** How long the speed may stay below that before the host counts as failed. */
  readonly seconds: number;
}

/** What happens after a failed try. */
type Next = 'again' | 'next-host' | 'new-pass';

/** Per-target counters: same-host retries and the one integrity retry. */
interface HostTries {
  retries: number;
  integrityRetried: boolean;
}

/**
 * Runs one operation over the CDN hosts until a try succeeds or a rule ends it.
 * @throws the operation's `fail` error (`auth-failed`, `all-hosts-failed`), its `stops` or
 *   `onNotFound` errors, and `TransferCancelledError` when cancelled.
 */
export function runCdnDriver<R, T extends CdnTarget>(
  context: CdnDriverContext,
  control: CdnControl,
  operation: CdnOperation<R, T>,
  budget: CdnBudget = { refreshUsed: false },
): Promise<R> {
  return new CdnDriver(context, control, operation, budget).run();
}

/** The driver; {@link runCdnDriver} runs one. `attempts` is readable for the caller's errors. */
export class CdnDriver<R, T extends CdnTarget> {
  readonly #context: CdnDriverContext;
  readonly #control: CdnControl;
  readonly #operation: CdnOperation<R, T>;
  readonly #budget: CdnBudget;
  readonly #attempts: TransferAttempt[] = [];
  /** The current pass; undefined until the hosts are known (again after a refresh). */
  #pass: CdnPass | undefined;
  /** Best-effort URLs that failed: not offered again in this operation. */
  readonly #failedHints = new Set<string>();

  constructor(
    context: CdnDriverContext,
    control: CdnControl,
    operation: CdnOperation<R, T>,
    budget: CdnBudget,
  ) {
    this.#context = context;
    this.#control = control;
    this.#operation = operation;
    this.#budget = budget;
  }

  /** Every try so far, oldest first (URLs redacted). */
  get attempts(): readonly TransferAttempt[] {
    return this.#attempts;
  }

  async run(): Promise<R> {
    for (;;) {
      await this.#control.checkpoint();
      const pass = await this.#hosts();
      const outcome = await this.#tryTargets(pass);
      if (outcome !== 'new-pass') return outcome.value;
    }
  }

  /**
   * The hosts of this pass: media_conn's, in the cache's order, kept until a refresh.
   * (Hardening seam: a host allow-list filters `hosts` here.)
   */
  async #hosts(): Promise<CdnPass> {
    if (this.#pass !== undefined) return this.#pass;
    const { mediaConn, hasSignaling } = this.#context;
    const fallback = this.#operation.fallbackHosts;
    if (!hasSignaling) {
      this.#pass = { hosts: fallback ?? [], conn: undefined };
      return this.#pass;
    }
    for (;;) {
      await this.#control.checkpoint();
      try {
        const conn = await mediaConn.get({ signal: this.#control.signal });
        this.#pass = { hosts: mediaConn.hostOrder(conn), conn };
        return this.#pass;
      } catch (error) {
        if (this.#control.interrupted) continue; // paused while asking: ask again on resume
        if (fallback === undefined) throw error;
        // The failure stays visible in the final error's attempts.
        this.#attempts.push({ url: 'media_conn', error });
        this.#pass = { hosts: fallback, conn: undefined };
        return this.#pass;
      }
    }
  }

  async #tryTargets(pass: CdnPass): Promise<{ value: R } | 'new-pass'> {
    for (const target of this.#operation.targets(pass)) {
      if (target.bestEffort === true && this.#failedHints.has(target.url)) continue;
      const outcome = await this.#tryTarget(target, pass);
      if (outcome !== 'next-host') return outcome;
    }
    throw this.#fail(
      'all-hosts-failed',
      `${this.#operation.allHostsFailed} (${this.#attempts.length} tries)`,
      this.#attempts.at(-1)?.error,
    );
  }

  async #tryTarget(target: T, pass: CdnPass): Promise<{ value: R } | 'new-pass' | 'next-host'> {
    const tries: HostTries = { retries: 0, integrityRetried: false };
    for (;;) {
      await this.#control.checkpoint();
      try {
        return { value: await this.#tryOnce(target, pass) };
      } catch (error) {
        // Paused or cancelled: the checkpoint waits (or throws), then this target again.
        if (this.#control.interrupted) continue;
        const next = await this.#afterFailure(target, error, tries);
        if (next !== 'again') return next;
      }
    }
  }

  /**
   * One try of one target, under the operation's per-attempt deadline (its failure goes
   * through the same status rules). (Seam: a low-speed rule would wrap the signal here too.)
   */
  async #tryOnce(target: T, pass: CdnPass): Promise<R> {
    const deadline = this.#operation.attemptDeadlineMs;
    const signals = [this.#control.signal];
    if (deadline !== undefined) signals.push(AbortSignal.timeout(deadline));
    const slow = this.#watchSpeed();
    if (slow !== undefined) signals.push(slow.signal);
    try {
      const signal = signals.length === 1 ? this.#control.signal : AbortSignal.any(signals);
      return await this.#operation.tryOnce(target, pass, signal);
    } finally {
      slow?.stop();
    }
  }

  /** The low-speed rule of one try: aborts its signal when a window moved too few bytes. */
  #watchSpeed(): { signal: AbortSignal; stop(): void } | undefined {
    const rule = this.#operation.lowSpeed;
    const bytes = this.#operation.bytesReceived?.bind(this.#operation);
    if (rule === undefined || bytes === undefined) return undefined;
    const controller = new AbortController();
    let mark = bytes();
    const timer = setInterval(() => {
      const now = bytes();
      if (now - mark < rule.bytesPerSecond * rule.seconds) {
        controller.abort(
          new Error(
            `Under ${rule.bytesPerSecond} B/s for ${rule.seconds} s (low-speed rule): try aborted`,
          ),
        );
      }
      mark = now;
    }, rule.seconds * 1000);
    return { signal: controller.signal, stop: () => clearInterval(timer) };
  }

  async #afterFailure(target: T, error: unknown, tries: HostTries): Promise<Next> {
    const stop = this.#operation.stops?.(error);
    if (stop === 'as-is') throw error;
    const verdict = classifyCdnFailure(error);
    this.#attempts.push({
      url: safeUrl(target.url),
      error,
      ...('status' in verdict && verdict.status !== undefined ? { status: verdict.status } : {}),
    });
    if (stop !== undefined) throw stop(this.#attempts);
    if (target.bestEffort === true) {
      this.#failedHints.add(target.url);
      if (verdict.action === 'integrity') await this.#operation.onIntegrity?.();
      return 'next-host';
    }
    return this.#apply(verdict, error, tries);
  }

  /** The status rules: what each verdict of the table means for this operation. */
  async #apply(verdict: CdnVerdict, error: unknown, tries: HostTries): Promise<Next> {
    switch (verdict.action) {
      case 'refresh-auth':
        // 401/403: the one refresh, then every host again; after it, the credentials are bad.
        if (this.#refresh()) return 'new-pass';
        // A 403 after the fresh media_conn: expired, handled like 404/410 where there is a hook.
        if (verdict.expiredAfterRefresh && this.#budget.refreshUsed && this.#operation.onNotFound) {
          return this.#notFound(verdict.status, error);
        }
        throw this.#fail(
          'auth-failed',
          `CDN refused the credentials (HTTP ${verdict.status})`,
          error,
        );
      case 'not-found':
        return this.#notFound(verdict.status, error);
      case 'retry-same-host': {
        // 429/5xx/network: this host again after a backoff, a few times; then the next host.
        tries.retries += 1;
        const delay = retryDelay(this.#context.retry, tries.retries, verdict.delayMs);
        if (delay === null) return 'next-host';
        // Paused or cancelled while waiting: the checkpoint of the next try handles it.
        await sleep(delay, this.#control.signal).catch(() => {});
        return 'again';
      }
      case 'integrity': {
        const after = (await this.#operation.onIntegrity?.()) ?? 'next-host';
        if (after === 'again-once' && !tries.integrityRetried) {
          tries.integrityRetried = true;
          return 'again';
        }
        return 'next-host';
      }
      case 'next-host':
        return 'next-host';
    }
  }

  /** 404/410: without a hook, the next host; with one, the refresh first, then the hook. */
  async #notFound(status: number, error: unknown): Promise<Next> {
    const { onNotFound } = this.#operation;
    if (onNotFound === undefined) {
      this.#dropConnection();
      return 'next-host';
    }
    if (this.#refresh()) return 'new-pass';
    return onNotFound.call(this.#operation, {
      status,
      error,
      attempts: this.#attempts,
      control: this.#control,
    });
  }

  /**
   * Spends the operation's one refresh: drops the connection that failed and asks again.
   * @returns false when the refresh was already used or there is no signalling.
   */
  #refresh(): boolean {
    if (this.#budget.refreshUsed || !this.#context.hasSignaling) return false;
    this.#budget.refreshUsed = true;
    this.#dropConnection();
    this.#pass = undefined;
    return true;
  }

  /** Only if it is still the cached one: concurrent operations must not drop each other's. */
  #dropConnection(): void {
    const conn = this.#pass?.conn;
    if (conn !== undefined) this.#context.mediaConn.invalidate(conn);
  }

  #fail(code: CdnFailureCode, message: string, cause: unknown): Error {
    return this.#operation.fail(code, message, { attempts: this.#attempts, cause });
  }
}
