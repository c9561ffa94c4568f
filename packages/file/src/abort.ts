/**
 * Cancellation helpers. An aborted operation rejects with the signal's own
 * `reason` (what `AbortSignal.throwIfAborted` throws), never a wrapped error, so
 * callers can compare it with the reason they passed to `abort()`.
 */

/**
 * Waits for `promise`, giving up with the error `onTimeout()` builds once
 * `deadline` (a `performance.now()` instant) passes, or with `signal.reason`
 * when `signal` aborts. The promise itself keeps running either way.
 */
export function waitUntil<T>(
  promise: Promise<T>,
  deadline: number,
  onTimeout: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const cleanup = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        cleanup();
        reject(onTimeout());
      },
      Math.max(0, deadline - performance.now()),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
