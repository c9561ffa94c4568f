import { type Duration, type Ttl, toPositiveMilliseconds } from '../duration.js';
import { InvalidArgumentError } from '../errors.js';
import type { Lock } from '../helpers/lock.js';
import { countRequest, type RateLimitResult } from '../helpers/rate-limit.js';
import type { OperationOptions } from '../signal.js';
import type { Store } from '../store.js';
import type { Scope } from '../tags/scope.js';
import type { CallRunner } from './calls.js';
import { runWithLock, tryLockOnce, waitForLock } from './locks.js';
import type { LockOptions } from './options.js';

/**
 * The facade's locks and rate limits for one view: names live in the view's key
 * space (a namespace's lock `x` is not the root's), state in the reserved key space
 * of the store (through the cache's counted and traced view of it).
 */
export class LockCalls {
  readonly #calls: CallRunner;
  readonly #store: Store;
  readonly #scope: Scope;
  readonly #ttl: (ttl: Ttl | undefined) => number;

  /**
   * @param calls - the view's call runner
   * @param store - the cache's view of its store
   * @param scope - the view's key space
   * @param ttl - resolves a call's TTL against the cache default
   */
  constructor(calls: CallRunner, store: Store, scope: Scope, ttl: (ttl: Ttl | undefined) => number) {
    this.#calls = calls;
    this.#store = store;
    this.#scope = scope;
    this.#ttl = ttl;
  }

  tryLock(
    key: string,
    ttl: Ttl | undefined,
    options: OperationOptions | undefined,
  ): Promise<Lock | undefined> {
    return this.#calls.call(
      'tryLock',
      key,
      options,
      (signal) => tryLockOnce(this.#store, this.#scope.key(key), this.#ttl(ttl), signal),
      (lock, context) => {
        context.hit = lock !== undefined;
      },
    );
  }

  lock(key: string, ttl: Ttl | undefined, options: LockOptions | undefined): Promise<Lock> {
    return this.#calls.call('lock', key, undefined, () =>
      waitForLock(this.#store, this.#scope.key(key), this.#ttl(ttl), options),
    );
  }

  withLock<R>(
    key: string,
    ttl: Ttl | undefined,
    fn: (lock: Lock) => R | Promise<R>,
    options: LockOptions | undefined,
  ): Promise<R> {
    return this.#calls.call('withLock', key, undefined, () => {
      if (typeof fn !== 'function') throw new InvalidArgumentError('withLock needs a function to run');
      return runWithLock(this.#store, this.#scope.key(key), this.#ttl(ttl), fn, options);
    });
  }

  rateLimit(
    key: string,
    limit: number,
    window: Duration,
    options: OperationOptions | undefined,
  ): Promise<RateLimitResult> {
    return this.#calls.call(
      'rateLimit',
      key,
      options,
      (signal) => {
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
        }
        const windowMs = toPositiveMilliseconds(window, 'window');
        return countRequest(this.#store, this.#scope.key(key), limit, windowMs, signal);
      },
      (result, context) => {
        context.hit = result.allowed;
      },
    );
  }
}
