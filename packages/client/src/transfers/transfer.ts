// A Transfer is the handle of one upload or download: awaitable, observable, and controllable
// (pause / resume / cancel). The operation itself runs as an async function that receives a
// TransferControl; pausing aborts the in-flight HTTP request (no socket is held while paused)
// and the operation waits in `checkpoint()` until resumed, then continues from its saved state.

import { TransferCancelledError, TransferStateError } from '../errors.js';

/** Where a transfer is in its life. The last three are final. */
export type TransferState = 'pending' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** Upload or download. */
export type TransferKind = 'upload' | 'download';

/** Progress of a transfer, in bytes of the blob on the wire (ciphertext for encrypted media). */
export interface TransferProgressEvent {
  /** Bytes the server holds (upload) or that were received (download) so far. */
  readonly bytesDone: number;
  /** Expected total, or `null` when unknown. */
  readonly totalBytes: number | null;
}

/** A state change. */
export interface TransferStateEvent {
  /** The new state. */
  readonly state: TransferState;
  /** The state before. */
  readonly previous: TransferState;
}

/**
 * Listeners by event name. `progress` and `state` are the core events; `pending`, `resuming`,
 * `success` and `error` are conveniences named after the callbacks of chat SDKs
 * (`onPending` / `onResuming` / `onSuccess` / `onError`).
 */
export interface TransferEventMap<T = unknown> {
  /** Bytes moved so far (also after a resume, from where it continued). */
  progress: TransferProgressEvent;
  /** Every state change. */
  state: TransferStateEvent;
  /** The operation started (the transfer is in flight and can be paused or cancelled by id). */
  pending: {
    /** The transfer's id. */
    readonly id: string;
  };
  /** `resume()` took a paused transfer back to running. */
  resuming: {
    /** The transfer's id. */
    readonly id: string;
  };
  /** Succeeded, with the result (after cleanups; same value as awaiting the transfer). */
  success: {
    /** The transfer's id. */
    readonly id: string;
    /** What the transfer resolves with. */
    readonly result: T;
  };
  /** Failed or was cancelled (the same error the awaitable rejects with). */
  error: {
    /** The transfer's id. */
    readonly id: string;
    /** What the transfer rejects with. */
    readonly error: unknown;
  };
}

/**
 * The handle of one upload or download.
 *
 * @example
 * ```ts
 * const transfer = client.download(message, { id: msgId });
 * transfer.on('progress', ({ bytesDone, totalBytes }) => console.log(bytesDone, totalBytes));
 * await transfer.pause();   // the HTTP request is aborted; state is kept
 * await transfer.resume();  // continues with a Range request from the last byte received
 * const bytes = await transfer; // verified plaintext
 * ```
 */
export interface Transfer<T> extends PromiseLike<T> {
  /** The caller's `{ id }` (typically the message id), else a generated one. */
  readonly id: string;
  /** Upload or download. */
  readonly kind: TransferKind;
  /** Current state. */
  readonly state: TransferState;
  /** Latest progress. */
  readonly progress: TransferProgressEvent;
  /** The result as a real Promise (same outcome as awaiting the transfer). */
  readonly promise: Promise<T>;
  /**
   * Subscribe to an event of {@link TransferEventMap}. Listeners are dropped once the transfer
   * ended (nothing is retained), and a throwing listener never breaks the transfer.
   * @returns a function that unsubscribes.
   * @example
   * ```ts
   * transfer.on('success', ({ id, result }) => console.log(id, 'done'));
   * transfer.on('error', ({ error }) => console.warn(error));
   * ```
   */
  on<E extends keyof TransferEventMap<T>>(
    event: E,
    listener: (event: TransferEventMap<T>[E]) => void,
  ): () => void;
  /**
   * Pause: the in-flight request is aborted, the state kept. Idempotent while paused.
   * @throws {TransferStateError} `transfer-ended` when the transfer already ended.
   */
  pause(): Promise<void>;
  /**
   * Resume a paused transfer. Idempotent while running.
   * @throws {TransferStateError} `transfer-ended` when the transfer already ended.
   */
  resume(): Promise<void>;
  /**
   * Cancel: the state becomes `cancelled` at once; the operation is stopped (request aborted,
   * woken from a pause, source reads abandoned), and once it returned its cleanups run (sockets,
   * temp and spool files). Resolves after that — or, if the operation is stuck in code that
   * cannot be aborted (e.g. a writer whose `write` never settles), after a short grace
   * (500 ms): the awaitable then rejects anyway and the cleanups run whenever
   * the operation finally returns (its id stays reserved until then: `transfer-id-in-use`).
   * The awaitable rejects with `TransferCancelledError`.
   * @throws {TransferStateError} `transfer-ended` when the transfer already ended.
   */
  cancel(): Promise<void>;
  /** Same as `promise.catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R>;
  /** Same as `promise.finally`. */
  finally(onFinally?: (() => void) | null): Promise<T>;
}

/** What an operation uses to cooperate with pause / resume / cancel and report progress. */
export interface TransferControl {
  readonly id: string;
  /** Aborted when the transfer is paused or cancelled: pass it to every request. */
  readonly signal: AbortSignal;
  /** True when the current `signal` was aborted by a pause or cancel (not by a failure). */
  readonly interrupted: boolean;
  /**
   * Returns at once while running; while paused, waits for `resume()` (then gives a fresh
   * `signal`). Throws `TransferCancelledError` once cancelled.
   */
  checkpoint(): Promise<void>;
  /**
   * Runs the operation's final, irreversible step (e.g. renaming a temp file into place). A
   * cancel requested before it wins; one requested during it waits for it, and if it succeeded
   * the transfer succeeds and the cancel is refused (`transfer-ended`, like callback SDKs' "cannot
   * cancel after success").
   * @throws {TransferCancelledError} when cancelled before the step started.
   */
  commit<R>(step: () => Promise<R>): Promise<R>;
  /** Reports progress (monotone per attempt; a restart may report smaller values). */
  reportProgress(bytesDone: number, totalBytes: number | null): void;
  /**
   * Registers cleanup run when the transfer ends in any way (temp files…), after the operation
   * returned. Registered after the end, it runs at once: a late cleanup is never dropped.
   */
  onEnd(cleanup: (state: TransferState) => void | Promise<void>): void;
}

const FINAL: ReadonlySet<TransferState> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * How long `cancel()` waits for the operation to return before rejecting the awaitable anyway.
 * Our own waits all stop on the signal; only caller code (a writer, a source) can hold it longer.
 */
export const CANCEL_GRACE_MS = 500;

let counter = 0;
/** A process-unique transfer id for callers that give none. */
export function generateTransferId(kind: TransferKind): string {
  counter += 1;
  return `${kind}-${Date.now().toString(36)}-${counter.toString(36)}`;
}

/** The concrete transfer; created by the client, not by users. */
export class TransferImpl<T> implements Transfer<T>, TransferControl {
  readonly id: string;
  readonly kind: TransferKind;
  readonly promise: Promise<T>;
  #state: TransferState = 'pending';
  #progress: TransferProgressEvent = { bytesDone: 0, totalBytes: null };
  #controller = new AbortController();
  #interrupted = false;
  #resumeWaiters: (() => void)[] = [];
  #listeners: { [E in keyof TransferEventMap<T>]: Set<(event: TransferEventMap<T>[E]) => void> } = {
    progress: new Set(),
    state: new Set(),
    pending: new Set(),
    resuming: new Set(),
    success: new Set(),
    error: new Set(),
  };
  #cleanups: ((state: TransferState) => void | Promise<void>)[] = [];
  /** Settles once the operation returned or threw (or never started). */
  #operationDone: Promise<void> = Promise.resolve();
  #settledListeners: ((state: TransferState, error: unknown) => void)[] = [];
  #unwoundListeners: (() => void)[] = [];
  /** True once the operation returned and every cleanup ran. */
  #unwound = false;
  /** Set while the operation runs its final step (see `commit`). */
  #committing: Promise<unknown> | undefined;
  #settled = false;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;

  constructor(id: string, kind: TransferKind, externalSignal?: AbortSignal) {
    this.id = id;
    this.kind = kind;
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Awaiting is optional (e.g. fire and control by id): never an unhandled rejection here.
    this.promise.catch(() => {});
    if (externalSignal !== undefined) {
      if (externalSignal.aborted) {
        queueMicrotask(() => void this.#cancelQuietly(externalSignal.reason));
      } else {
        const onAbort = (): void => void this.#cancelQuietly(externalSignal.reason);
        externalSignal.addEventListener('abort', onAbort, { once: true });
        // A long-lived caller signal must not keep an ended transfer (and its result) alive.
        this.#settledListeners.push(() => externalSignal.removeEventListener('abort', onAbort));
      }
    }
  }

  /** Starts `operation` on the next microtask, so listeners attached right away see every event. */
  start(operation: (control: TransferControl) => Promise<T>): this {
    let started!: () => void;
    this.#operationDone = new Promise<void>((resolve) => {
      started = resolve;
    });
    queueMicrotask(() => {
      if (FINAL.has(this.#state)) {
        started();
        return;
      }
      // Paused before it started: the operation's first checkpoint waits for resume().
      if (this.#state === 'pending') this.#setState('running');
      this.#emit('pending', { id: this.id });
      let running: Promise<T>;
      try {
        running = operation(this);
      } catch (error) {
        running = Promise.reject(error);
      }
      running
        .then(
          (value) => {
            if (this.#state !== 'cancelled') void this.#finish('succeeded', value, undefined);
          },
          (error: unknown) => {
            if (this.#state !== 'cancelled') void this.#finish('failed', undefined, error);
          },
        )
        .finally(started);
    });
    return this;
  }

  /** Internal: called once after the transfer settled (for the registry). */
  onSettled(listener: (state: TransferState, error: unknown) => void): void {
    this.#settledListeners.push(listener);
  }

  /**
   * Internal: called once the operation returned and the cleanups ran (at once if that already
   * happened). After a cancel that hit the grace this is later than `onSettled`.
   */
  onUnwound(listener: () => void): void {
    if (this.#unwound) listener();
    else this.#unwoundListeners.push(listener);
  }

  /** True once the operation returned and its cleanups ran. */
  get unwound(): boolean {
    return this.#unwound;
  }

  get state(): TransferState {
    return this.#state;
  }

  get progress(): TransferProgressEvent {
    return this.#progress;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get interrupted(): boolean {
    return this.#interrupted;
  }

  get ended(): boolean {
    return FINAL.has(this.#state);
  }

  // biome-ignore lint/suspicious/noThenProperty: a Transfer is deliberately awaitable.
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.promise.then(onFulfilled, onRejected);
  }

  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.promise.catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.promise.finally(onFinally);
  }

  on<E extends keyof TransferEventMap<T>>(
    event: E,
    listener: (event: TransferEventMap<T>[E]) => void,
  ): () => void {
    const set = this.#listeners[event] as Set<(event: TransferEventMap<T>[E]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  async pause(): Promise<void> {
    this.#assertNotEnded();
    if (this.#state === 'paused') return;
    this.#setState('paused');
    this.#interrupt();
  }

  async resume(): Promise<void> {
    this.#assertNotEnded();
    if (this.#state !== 'paused') return;
    this.#setState('running');
    this.#emit('resuming', { id: this.id });
    this.#wake();
  }

  async cancel(): Promise<void> {
    this.#assertNotEnded();
    if (this.#committing !== undefined) {
      // The final step is under way: let it finish; if the transfer then ended, say so.
      await this.#committing.catch(() => {});
      await this.#operationDone;
      this.#assertNotEnded();
    }
    await this.#cancelQuietly(undefined);
  }

  async commit<R>(step: () => Promise<R>): Promise<R> {
    await this.checkpoint();
    const running = step();
    this.#committing = running;
    return running;
  }

  async checkpoint(): Promise<void> {
    while (this.#state === 'paused') {
      await new Promise<void>((resolve) => this.#resumeWaiters.push(resolve));
    }
    if (this.#state === 'cancelled') throw new TransferCancelledError(this.id);
    if (this.#interrupted) {
      // A fresh signal for the next attempt: the old one was aborted by the pause.
      this.#controller = new AbortController();
      this.#interrupted = false;
    }
  }

  reportProgress(bytesDone: number, totalBytes: number | null): void {
    this.#progress = { bytesDone, totalBytes };
    this.#emit('progress', this.#progress);
  }

  onEnd(cleanup: (state: TransferState) => void | Promise<void>): void {
    if (this.#unwound) {
      // Registered after the end (e.g. by an operation still unwinding after cancel): run now.
      void Promise.resolve()
        .then(() => cleanup(this.#state))
        .catch(() => {});
      return;
    }
    this.#cleanups.push(cleanup);
  }

  #assertNotEnded(): void {
    if (FINAL.has(this.#state)) {
      throw new TransferStateError('transfer-ended', this.id, { state: this.#state });
    }
  }

  async #cancelQuietly(reason: unknown): Promise<void> {
    if (FINAL.has(this.#state)) return;
    if (this.#committing !== undefined) {
      await this.#committing.catch(() => {});
      await this.#operationDone;
      if (FINAL.has(this.#state)) return;
    }
    // Stop the operation first (abort its request, wake it from a pause so its checkpoint
    // throws), wait until it returned, and only then run the cleanups: cleaning up while the
    // operation still runs would race with it (e.g. a temp file created after its deletion).
    this.#setState('cancelled');
    this.#interrupt();
    this.#wake();
    const error = new TransferCancelledError(
      this.id,
      reason === undefined ? {} : { cause: reason },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const returned = await Promise.race([
      this.#operationDone.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CANCEL_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (returned) {
      await this.#finish('cancelled', undefined, error);
      return;
    }
    // Stuck in code we cannot abort (the caller's writer or source): settle now, and clean up
    // once it returns — never before, or a file it creates afterwards would be left behind.
    this.#settle('cancelled', undefined, error);
    void this.#operationDone.then(() => this.#runCleanups('cancelled'));
  }

  #interrupt(): void {
    this.#interrupted = true;
    this.#controller.abort(new TransferCancelledError(this.id));
  }

  #wake(): void {
    const waiters = this.#resumeWaiters;
    this.#resumeWaiters = [];
    for (const wake of waiters) wake();
  }

  async #finish(
    state: 'succeeded' | 'failed' | 'cancelled',
    value: T | undefined,
    error: unknown,
  ): Promise<void> {
    if (this.#settled) return;
    if (FINAL.has(this.#state) && this.#state !== state) return;
    this.#setState(state);
    await this.#runCleanups(state);
    this.#settle(state, value, error);
  }

  async #runCleanups(state: TransferState): Promise<void> {
    // Cleanups registered while these run are run too; later ones run at once (onEnd).
    while (this.#cleanups.length > 0) {
      const cleanups = this.#cleanups;
      this.#cleanups = [];
      for (const cleanup of cleanups) {
        try {
          await cleanup(state);
        } catch {
          // Cleanup is best effort; the outcome is already decided.
        }
      }
    }
    this.#unwound = true;
    const listeners = this.#unwoundListeners;
    this.#unwoundListeners = [];
    for (const listener of listeners) safeCall(listener, undefined);
  }

  #settle(state: 'succeeded' | 'failed' | 'cancelled', value: T | undefined, error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (state === 'succeeded') {
      this.#resolve(value as T);
      this.#emit('success', { id: this.id, result: value as T });
    } else {
      this.#reject(error);
      this.#emit('error', { id: this.id, error });
    }
    // An ended transfer keeps no listeners (they may close over large results).
    for (const set of Object.values(this.#listeners)) (set as Set<unknown>).clear();
    const listeners = this.#settledListeners;
    this.#settledListeners = [];
    for (const listener of listeners) safeCall(() => listener(state, error), undefined);
  }

  #setState(state: TransferState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#emit('state', { state, previous });
  }

  #emit<E extends keyof TransferEventMap<T>>(event: E, payload: TransferEventMap<T>[E]): void {
    const set = this.#listeners[event] as Set<(event: TransferEventMap<T>[E]) => void>;
    for (const listener of set) safeCall(listener, payload);
  }
}

function safeCall<A>(listener: (arg: A) => void, arg: A): void {
  try {
    listener(arg);
  } catch {
    // A throwing listener must not break the transfer.
  }
}
