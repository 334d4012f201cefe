// Waiting on a promise that cannot be cancelled itself (a shared media_conn query, a Baileys
// query, a source's pending read): the wait ends when the signal aborts, the work goes on.

/**
 * `promise`'s outcome, or a rejection with `signal.reason` as soon as `signal` aborts. The
 * promise is left running (others may share it); the listener is removed once it settles.
 */
export function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
