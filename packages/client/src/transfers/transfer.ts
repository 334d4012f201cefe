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
  readonly state: TransferState;
  readonly previous: TransferState;
}

/** Listeners by event name. */
export interface TransferEventMap {
  progress: TransferProgressEvent;
  state: TransferStateEvent;
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
  readonly kind: TransferKind;
  /** Current state. */
  readonly state: TransferState;
  /** Latest progress. */
  readonly progress: TransferProgressEvent;
  /** The result as a real Promise (same outcome as awaiting the transfer). */
  readonly promise: Promise<T>;
  /**
   * Subscribe to `'progress'` or `'state'` events.
   * @returns a function that unsubscribes.
   */
  on<E extends keyof TransferEventMap>(
    event: E,
    listener: (event: TransferEventMap[E]) => void,
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
   * Cancel: frees sockets and temp files; the awaitable rejects with `TransferCancelledError`.
   * @throws {TransferStateError} `transfer-ended` when the transfer already succeeded or failed.
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
  /** Reports progress (monotone per attempt; a restart may report smaller values). */
  reportProgress(bytesDone: number, totalBytes: number | null): void;
  /** Registers cleanup run when the transfer ends in any way (temp files…). */
  onEnd(cleanup: (state: TransferState) => void | Promise<void>): void;
}

const FINAL: ReadonlySet<TransferState> = new Set(['succeeded', 'failed', 'cancelled']);

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
  #listeners: { [E in keyof TransferEventMap]: Set<(event: TransferEventMap[E]) => void> } = {
    progress: new Set(),
    state: new Set(),
  };
  #cleanups: ((state: TransferState) => void | Promise<void>)[] = [];
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
      if (externalSignal.aborted)
        queueMicrotask(() => void this.#cancelQuietly(externalSignal.reason));
      else
        externalSignal.addEventListener(
          'abort',
          () => void this.#cancelQuietly(externalSignal.reason),
          {
            once: true,
          },
        );
    }
  }

  /** Starts `operation` on the next microtask, so listeners attached right away see every event. */
  start(operation: (control: TransferControl) => Promise<T>): this {
    queueMicrotask(() => {
      if (FINAL.has(this.#state)) return;
      // Paused before it started: the operation's first checkpoint waits for resume().
      if (this.#state === 'pending') this.#setState('running');
      operation(this).then(
        (value) => void this.#finish('succeeded', value, undefined),
        (error: unknown) => {
          if (this.#state === 'cancelled') return;
          void this.#finish('failed', undefined, error);
        },
      );
    });
    return this;
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

  on<E extends keyof TransferEventMap>(
    event: E,
    listener: (event: TransferEventMap[E]) => void,
  ): () => void {
    const set = this.#listeners[event] as Set<(event: TransferEventMap[E]) => void>;
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
    this.#wake();
  }

  async cancel(): Promise<void> {
    this.#assertNotEnded();
    await this.#cancelQuietly(undefined);
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
    for (const listener of this.#listeners.progress) safeCall(listener, this.#progress);
  }

  onEnd(cleanup: (state: TransferState) => void | Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  #assertNotEnded(): void {
    if (FINAL.has(this.#state)) {
      throw new TransferStateError('transfer-ended', this.id, { state: this.#state });
    }
  }

  async #cancelQuietly(reason: unknown): Promise<void> {
    if (FINAL.has(this.#state)) return;
    this.#interrupt();
    await this.#finish(
      'cancelled',
      undefined,
      new TransferCancelledError(this.id, reason === undefined ? {} : { cause: reason }),
    );
    this.#wake();
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
    if (FINAL.has(this.#state)) return;
    this.#setState(state);
    const cleanups = this.#cleanups;
    this.#cleanups = [];
    for (const cleanup of cleanups) {
      try {
        await cleanup(state);
      } catch {
        // Cleanup is best effort; the outcome is already decided.
      }
    }
    if (state === 'succeeded') this.#resolve(value as T);
    else this.#reject(error);
  }

  #setState(state: TransferState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    for (const listener of this.#listeners.state) safeCall(listener, { state, previous });
  }
}

function safeCall<A>(listener: (arg: A) => void, arg: A): void {
  try {
    listener(arg);
  } catch {
    // A throwing listener must not break the transfer.
  }
}
