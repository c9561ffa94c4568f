import { type Duration, toPositiveMilliseconds } from './duration.js';
import { CacheTimeoutError } from './errors.js';

/** Options every facade call accepts. */
export interface OperationOptions {
  /** Cancels the call: it rejects with `signal.reason`. The store stops being waited for. */
  readonly signal?: AbortSignal | undefined;
  /** Deadline for the call; past it the call rejects with {@link CacheTimeoutError}. */
  readonly timeout?: Duration | undefined;
}

/**
 * Runs `operation` under the caller's signal and deadline. Without either it is a
 * plain call (no timer, no listener: the common case stays cheap). With them, the
 * returned promise settles at the first of: the operation settles, the signal
 * aborts (rejecting with its reason), the deadline passes (rejecting with
 * {@link CacheTimeoutError}). The operation receives a signal that aborts in both
 * cases, so drivers can stop work; its late result is dropped, never unhandled.
 */
export function withDeadline<T>(
  name: string,
  options: OperationOptions | undefined,
  defaultTimeoutMs: number | undefined,
  operation: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const signal = options?.signal;
  const timeoutMs =
    options?.timeout !== undefined ? toPositiveMilliseconds(options.timeout, 'timeout') : defaultTimeoutMs;
  if (signal === undefined && timeoutMs === undefined) return operation(undefined);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      controller.abort(signal?.reason);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        const error = new CacheTimeoutError(name, timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    }
    let started: Promise<T>;
    try {
      started = operation(controller.signal);
    } catch (error) {
      cleanup();
      reject(error);
      return;
    }
    started.then(
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

/**
 * Resolves after `ms`, or rejects with `signal.reason` as soon as the signal aborts
 * (at once when it already has); the timer is cleared on abort. Exported for
 * drivers that back off between attempts of an operation the caller asked for.
 */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
