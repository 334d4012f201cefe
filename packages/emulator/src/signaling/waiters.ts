import type { BinaryNode, BinaryNodeMatcher, SignalingWaitOptions } from '@wa-media/protocol';
import { EmulatorError } from '../errors.js';

/** Default wait of `query` (ms). */
export const DEFAULT_QUERY_TIMEOUT_MS = 20_000;
/** Default wait of `waitFor` (ms): the media retry wait of docs/protocol.md §5. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

/**
 * Runs `start` under a timeout and an AbortSignal. On abort the promise rejects with the
 * signal's reason (as `MediaSignaling` promises); on timeout with an `EmulatorError('timeout')`.
 * `start` gets a `settle` guard so late answers are dropped.
 */
export function guarded<T>(
  what: string,
  options: SignalingWaitOptions | undefined,
  defaultTimeoutMs: number,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const signal = options?.signal;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
    let done = false;
    let cleanup: () => void = () => {};
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      cleanup();
    };
    const onAbort = (): void => {
      if (done) return;
      finish();
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      reject(new EmulatorError('timeout', `${what} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    cleanup = start(
      (value) => {
        if (done) return;
        finish();
        resolve(value);
      },
      (error) => {
        if (done) return;
        finish();
        reject(error);
      },
    );
    if (done) cleanup();
  });
}

interface Waiter {
  match: BinaryNodeMatcher;
  resolve: (node: BinaryNode) => void;
  reject: (error: unknown) => void;
}

/** The `waitFor` registry of one signalling connection. */
export class NodeWaiters {
  readonly #waiters = new Set<Waiter>();

  /** Registers synchronously, before returning the promise. */
  waitFor(
    match: BinaryNodeMatcher,
    options: SignalingWaitOptions | undefined,
    closedError: () => EmulatorError | undefined,
  ): Promise<BinaryNode> {
    if (typeof match !== 'function') {
      return Promise.reject(new EmulatorError('bad-option', 'match must be a function'));
    }
    return guarded<BinaryNode>('waitFor', options, DEFAULT_WAIT_TIMEOUT_MS, (resolve, reject) => {
      const closed = closedError();
      if (closed !== undefined) {
        reject(closed);
        return () => {};
      }
      const waiter: Waiter = { match, resolve, reject };
      this.#waiters.add(waiter);
      return () => this.#waiters.delete(waiter);
    });
  }

  /** Hands an incoming node to every waiter that accepts it. */
  dispatch(node: BinaryNode): void {
    for (const waiter of [...this.#waiters]) {
      let accepted = false;
      try {
        accepted = waiter.match(node);
      } catch (error) {
        waiter.reject(error);
        continue;
      }
      if (accepted) waiter.resolve(node);
    }
  }

  rejectAll(error: EmulatorError): void {
    for (const waiter of [...this.#waiters]) waiter.reject(error);
  }
}
