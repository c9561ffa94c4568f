import { type Duration, toPositiveMilliseconds } from './duration.js';
import { CacheAbortError, CacheTimeoutError, InvalidArgumentError } from './errors.js';

/** Options every facade call accepts. */
export interface OperationOptions {
  /** Cancels the call: it rejects with `signal.reason`. The store stops being waited for. */
  readonly signal?: AbortSignal | undefined;
  /** Deadline for the call; past it the call rejects with {@link CacheTimeoutError}. */
  readonly timeout?: Duration | undefined;
}

/**
 * Throws {@link InvalidArgumentError} unless `options` is `undefined` or an object
 * whose `signal` (when given) is an `AbortSignal`. The timeout is checked where it
 * is converted (an {@link InvalidTtlError}).
 */
export function assertOperationOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(
      `options must be an object, got ${options === null ? 'null' : typeof options}`,
    );
  }
  const signal = (options as { signal?: unknown }).signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new InvalidArgumentError('options.signal must be an AbortSignal');
  }
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  // A signal from another realm (vm context, a polyfill) still works if it has the shape.
  const candidate = value as Partial<AbortSignal> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.aborted === 'boolean' &&
    typeof candidate.addEventListener === 'function' &&
    typeof candidate.removeEventListener === 'function'
  );
}

/**
 * Runs `operation` under the caller's signal and deadline. Without either it is a
 * plain call (no timer, no listener: the common case stays cheap). With them, the
 * returned promise settles at the first of: the operation settles, the signal
 * aborts (rejecting with {@link CacheAbortError}), the deadline passes (rejecting
 * with {@link CacheTimeoutError}). The operation receives a signal that aborts in
 * both cases, so drivers can stop work; its late result is dropped, never unhandled.
 *
 * For a `write`, both errors carry `maybeApplied: true` once the operation has been
 * started: the store may have applied it even though the caller stopped waiting.
 * An already-aborted signal rejects before anything runs (`maybeApplied: false`).
 */
export function withDeadline<T>(
  name: string,
  options: OperationOptions | undefined,
  defaultTimeoutMs: number | undefined,
  operation: (signal: AbortSignal | undefined) => Promise<T>,
  write = false,
): Promise<T> {
  if (options === undefined && defaultTimeoutMs === undefined) return operation(undefined);
  assertOperationOptions(options);
  const signal = options?.signal;
  const timeoutMs =
    options?.timeout !== undefined ? toPositiveMilliseconds(options.timeout, 'timeout') : defaultTimeoutMs;
  if (signal === undefined && timeoutMs === undefined) return operation(undefined);
  if (signal?.aborted) return Promise.reject(new CacheAbortError(name, signal.reason, false));
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      const error = new CacheAbortError(name, signal?.reason, write);
      controller.abort(error);
      reject(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cleanup();
        const error = new CacheTimeoutError(name, timeoutMs, write);
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

/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts (at
 * once when it already has). The promise itself keeps running; its late result is
 * dropped. For drivers whose client cannot cancel an operation it has started.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
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
