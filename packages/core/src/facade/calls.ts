import { InvalidArgumentError } from '../errors.js';
import { assertValidKey } from '../keys.js';
import type { CacheObserver, CacheOperation } from '../observer.js';
import { type OperationOptions, withDeadline } from '../signal.js';

/** Operations that only read: an abort or timeout of one of them never leaves a write behind. */
const READ_ONLY: ReadonlySet<CacheOperation> = new Set<CacheOperation>([
  'get',
  'getMany',
  'getBytes',
  'getString',
]);

/** Marks the calls that take no key (`flush`), so that an `undefined` key is never taken for "no key". */
export const NO_KEY: unique symbol = Symbol('no key');

/**
 * Runs one facade call: validates its key(s), applies the caller's signal and
 * deadline (one mechanism per call, nothing when neither is given), and reports
 * the outcome to the observer. Without an observer the operation's own promise is
 * returned as it is: no extra promise layer.
 */
export class CallRunner {
  readonly #maxKeyLength: number;
  readonly #timeoutMs: number | undefined;
  readonly #observer: CacheObserver | undefined;
  readonly #driver: string;

  /**
   * @param maxKeyLength - longest key accepted
   * @param timeoutMs - the cache's default deadline
   * @param observer - receives one event per call
   * @param driver - the store's name, reported in events
   */
  constructor(
    maxKeyLength: number,
    timeoutMs: number | undefined,
    observer: CacheObserver | undefined,
    driver: string,
  ) {
    this.#maxKeyLength = maxKeyLength;
    this.#timeoutMs = timeoutMs;
    this.#observer = observer;
    this.#driver = driver;
  }

  /** One call on one key (or {@link NO_KEY}). `hit`/`stale` describe a result for the observer. */
  call<R>(
    op: CacheOperation,
    key: string | typeof NO_KEY,
    options: OperationOptions | undefined,
    operation: (signal: AbortSignal | undefined) => Promise<R>,
    hit?: (result: R) => boolean,
    stale?: (result: R) => boolean,
  ): Promise<R> {
    let promise: Promise<R>;
    try {
      // Every key-taking call validates its key, whatever its type: `undefined` is not "no key".
      if (key !== NO_KEY) assertValidKey(key, this.#maxKeyLength);
      promise = withDeadline(op, options, this.#timeoutMs, operation, !READ_ONLY.has(op));
    } catch (error) {
      promise = Promise.reject(error);
    }
    const observer = this.#observer;
    if (observer === undefined) return promise;
    const started = performance.now();
    const reported = key === NO_KEY ? undefined : key;
    return promise.then(
      (result) => {
        this.#emit(observer, op, reported, started, hit?.(result), stale?.(result), undefined);
        return result;
      },
      (error: unknown) => {
        this.#emit(observer, op, reported, started, undefined, undefined, error);
        throw error;
      },
    );
  }

  /** One call on several keys; the observer receives one event per key. */
  batch<R>(
    op: CacheOperation,
    keys: readonly (string | undefined)[],
    options: OperationOptions | undefined,
    operation: (signal: AbortSignal | undefined) => Promise<R>,
    hit?: (result: R, index: number) => boolean,
    stale?: (result: R, index: number) => boolean,
  ): Promise<R> {
    let promise: Promise<R>;
    try {
      if (!Array.isArray(keys)) throw new InvalidArgumentError(`${op} expects an array`);
      for (const key of keys) assertValidKey(key, this.#maxKeyLength);
      promise = withDeadline(op, options, this.#timeoutMs, operation, !READ_ONLY.has(op));
    } catch (error) {
      promise = Promise.reject(error);
    }
    const observer = this.#observer;
    if (observer === undefined) return promise;
    const started = performance.now();
    return promise.then(
      (result) => {
        keys.forEach((key, i) => {
          this.#emit(observer, op, key, started, hit?.(result, i), stale?.(result, i), undefined);
        });
        return result;
      },
      (error: unknown) => {
        for (const key of keys) this.#emit(observer, op, key, started, undefined, undefined, error);
        throw error;
      },
    );
  }

  /** Reports a cache-wide event (no key): the circuit opened or closed, a bus gap or error. */
  event(
    op: CacheOperation,
    fields: { circuit?: 'open' | 'closed'; gap?: 'sequence' | 'connection' | 'clear'; error?: unknown },
  ): void {
    const observer = this.#observer;
    if (observer === undefined) return;
    try {
      observer({ op, key: undefined, durationMs: 0, driver: this.#driver, ...fields });
    } catch {
      // An observer must never break the cache.
    }
  }

  /** Reports work done off a caller's path (a background refresh, a bypassed store failure). */
  report(op: CacheOperation, key: string, started: number, error: unknown): void {
    const observer = this.#observer;
    if (observer !== undefined) this.#emit(observer, op, key, started, undefined, undefined, error);
  }

  #emit(
    observer: CacheObserver,
    op: CacheOperation,
    key: string | undefined,
    started: number,
    hit: boolean | undefined,
    stale: boolean | undefined,
    error: unknown,
  ): void {
    try {
      const durationMs = performance.now() - started;
      const event = { op, key, hit, error, durationMs, driver: this.#driver };
      observer(stale === true ? { ...event, stale } : event);
    } catch {
      // An observer must never break the call it observes.
    }
  }
}
