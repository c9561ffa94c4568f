import { CacheTimeoutError, DeadlineQueue, StoreLifecycle } from '@cache/core';
import { DRIVER } from './errors.js';

/** Store operations; `true` for writes (a write that timed out may still be applied later). */
const WRITES = {
  get: false,
  getMany: false,
  set: true,
  setMany: true,
  add: true,
  increment: true,
  delete: true,
  deleteMany: true,
  deleteIfEquals: true,
  flush: true,
} as const;

/** A store operation, as named in deadline errors. */
export type Operation = keyof typeof WRITES;

/** Every store operation. */
export const OPERATIONS = Object.keys(WRITES) as readonly Operation[];

/**
 * What surrounds every store call: core's {@link StoreLifecycle} (refused after
 * `close()`, counted while in flight so `close()` can wait for it) and one
 * {@link DeadlineQueue} for the store's `timeout` (one timer for all calls instead of
 * ioredis' `commandTimeout`, which arms a timer per command).
 */
export class CallGuard {
  readonly #lifecycle = new StoreLifecycle(DRIVER);
  readonly #deadlines: DeadlineQueue;
  /** One error factory per operation, built once so that a call allocates none. */
  readonly #timeouts: Readonly<Record<Operation, () => CacheTimeoutError>>;

  /** @param timeoutMs - the deadline of every call, in ms (positive) */
  constructor(timeoutMs: number) {
    this.#deadlines = new DeadlineQueue(timeoutMs);
    const timeouts = {} as Record<Operation, () => CacheTimeoutError>;
    for (const [operation, write] of Object.entries(WRITES) as [Operation, boolean][]) {
      timeouts[operation] = () => new CacheTimeoutError(`redis ${operation}`, timeoutMs, write);
    }
    this.#timeouts = timeouts;
  }

  /**
   * Runs one call: rejects with `StoreClosedError` after `close()`, else starts it and
   * rejects with `CacheTimeoutError` when it has not settled within the deadline.
   */
  run<T>(operation: Operation, call: () => Promise<T>): Promise<T> {
    return this.#lifecycle.run(() => this.#deadlines.track(call(), this.#timeouts[operation]));
  }

  /** Like {@link CallGuard.run} without a deadline for the whole call (`flush`: one per round trip). */
  runUnbounded<T>(call: () => Promise<T>): Promise<T> {
    return this.#lifecycle.run(call);
  }

  /** `round` with the deadline of one round trip of `operation`. */
  bound<T>(operation: Operation, round: Promise<T>): Promise<T> {
    return this.#deadlines.track(round, this.#timeouts[operation]);
  }

  /** See `StoreLifecycle.close`: refuse new calls, wait for those in flight, then `release` once. */
  close(release: () => Promise<void> | void): Promise<void> {
    return this.#lifecycle.close(release);
  }
}
