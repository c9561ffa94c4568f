import { fromUtf8, utf8 } from './bytes.js';
import type { Duration, Ttl } from './duration.js';
import { toPositiveMilliseconds } from './duration.js';
import { isFreshAt, plainLifetime } from './entry/lifetime.js';
import { CorruptPayloadError, InvalidArgumentError, InvalidValueError } from './errors.js';
import { assertSafeInteger, assertStorable, isFastKey, noDeadline } from './facade/arguments.js';
import { CallRunner, NO_KEY } from './facade/calls.js';
import { SLOW } from './facade/fast-path.js';
import { ReadThroughCalls } from './facade/read-through-calls.js';
import { type CacheConfig, resolveCacheConfig, ttlOf } from './facade/config.js';
import { runWithLock, tryLockOnce, waitForLock } from './facade/locks.js';
import type { CacheEntry, CacheHealth, CacheOptions, LockOptions, StaleResult } from './facade/options.js';
import type { Lock } from './helpers/lock.js';
import { countRequest, type RateLimitResult } from './helpers/rate-limit.js';
import { type Factory, ReadThroughEngine } from './read-through/engine.js';
import type { RememberOptions } from './read-through/options.js';
import type { ManyFactory } from './read-through/remember-many.js';
import type { OperationOptions } from './signal.js';
import type { ReferenceStore, Store } from './store.js';
import { HybridTier } from './tiers/hybrid-tier.js';
import { StoreTier } from './tiers/store-tier.js';
import type { Tiers } from './tiers/tiers.js';

const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const RESOLVED_VOID: Promise<void> = Promise.resolve();
const ZERO = (): number => 0;

/**
 * The cache facade: typed values, shaping and helpers over any {@link Store}.
 *
 * It only wires: arguments are validated and options resolved here; entries live
 * in the tiers (`tiers/`), read-through is the engine (`read-through/`), locks and
 * rate limits are helpers (`facade/locks.ts`, `helpers/`).
 *
 * Fast path: over a store that keeps values by reference (the memory store, by
 * default) with no shaping, custom codec, `maxValueBytes`, observer or deadline,
 * `get`/`set`/`remember` hits are one synchronous map operation wrapped in an
 * already-resolved promise: no encoding, no copy, no extra `await`.
 */
export class Cache {
  /** The store this cache writes to. */
  readonly store: Store;
  readonly #config: CacheConfig;
  readonly #tiers: Tiers;
  readonly #engine: ReadThroughEngine;
  readonly #calls: CallRunner;
  readonly #readThrough: ReadThroughCalls;
  /** The by-reference store when the synchronous fast path is open (no observer, no default deadline). */
  readonly #fast: ReferenceStore | undefined;
  /** Whether `get`/`remember` hits may be answered synchronously by the tiers' `peek`. */
  readonly #peek: boolean;

  /** @throws {@link ConfigError} for invalid options (bad encryption key, bad sizes, missing store, …). */
  constructor(options: CacheOptions) {
    const config = resolveCacheConfig(options);
    this.#config = config;
    this.store = config.store;
    const hybrid = config.hybrid;
    this.#tiers =
      hybrid === undefined
        ? new StoreTier(config.store, config.entries, config.ref)
        : new HybridTier({
            store: config.store,
            entries: config.entries,
            l1: hybrid.l1,
            bus: hybrid.bus,
            l1TtlMs: hybrid.l1TtlMs,
            breaker: hybrid.breaker,
            onBusEvent: (event, detail) =>
              this.#calls.event(
                'bus',
                event === 'gap' ? { gap: detail as 'sequence' | 'connection' | 'clear' } : { error: detail },
              ),
            onCircuit: (state, cause) =>
              this.#calls.event('circuit', { circuit: state === 'closed' ? 'closed' : 'open', error: cause }),
          });
    this.#calls = new CallRunner(config.maxKeyLength, config.timeoutMs, config.observer, config.store.name);
    this.#engine = new ReadThroughEngine(this.#tiers, {
      storeError: (key, error) => this.#calls.report('remember', key, performance.now(), error),
      refreshed: (key, startedAt, error) => this.#calls.report('refresh', key, startedAt, error),
    });
    const ttlOfCall = (ttl: Ttl | undefined): number => this.#ttl(ttl);
    this.#readThrough = new ReadThroughCalls(
      this.#calls,
      this.#engine,
      this.#tiers,
      config.defaults,
      ttlOfCall,
    );
    const plain = config.observer === undefined && config.timeoutMs === undefined;
    this.#fast = plain ? config.ref : undefined;
    this.#peek = plain && (config.ref !== undefined || hybrid !== undefined);
  }

  // ---------------------------------------------------------------- values

  /** The value stored at `key`, or `undefined` on a miss (or when only a stale value is left). */
  get<T>(key: string, options?: OperationOptions): Promise<T | undefined> {
    if (this.#peek && options === undefined && isFastKey(key, this.#config.maxKeyLength)) {
      const hit = this.#tiers.peek(key, 0, ZERO);
      if (hit !== SLOW) return hit === undefined ? RESOLVED_UNDEFINED : Promise.resolve(hit as T);
    }
    return this.#calls.call(
      'get',
      key,
      options,
      (signal) => this.#tiers.readFresh(key, signal) as Promise<T | undefined>,
      (v) => v !== undefined,
    );
  }

  /** Stores `value` at `key` for `ttl` (default TTL when omitted). */
  set<T>(key: string, value: T, ttl?: Ttl, options?: OperationOptions): Promise<void> {
    const ref = this.#fast;
    if (ref !== undefined && options === undefined && isFastKey(key, this.#config.maxKeyLength)) {
      try {
        assertStorable(value);
        ref.putValue(key, value, this.#ttl(ttl));
        return RESOLVED_VOID;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#calls.call('set', key, options, (signal) => {
      assertStorable(value);
      return this.#tiers.write(key, value, plainLifetime(this.#ttl(ttl)), signal);
    });
  }

  /** Values for `keys`, in the same order, `undefined` for each miss. One store round trip. */
  getMany<T>(keys: readonly string[], options?: OperationOptions): Promise<(T | undefined)[]> {
    return this.#calls.batch(
      'getMany',
      keys,
      options,
      async (signal) => {
        const entries = await this.#tiers.readMany(keys, signal);
        const now = Date.now();
        return entries.map((e) =>
          e !== undefined && isFreshAt(e.softExpiresAt, now) ? (e.value as T) : undefined,
        );
      },
      (result, i) => (result as unknown[])[i] !== undefined,
    );
  }

  /** Stores several entries in one batch. Every entry is validated and encoded before the store is called. */
  setMany<T>(entries: readonly CacheEntry<T>[], options?: OperationOptions): Promise<void> {
    const keys = Array.isArray(entries)
      ? entries.map((entry) => entry?.key)
      : (entries as unknown as string[]);
    return this.#calls.batch('setMany', keys, options, (signal) => {
      const writes = entries.map((entry) => {
        assertStorable(entry.value);
        const storeTtl = this.#ttl(entry.ttl);
        return {
          key: entry.key,
          value: entry.value,
          lifetime: plainLifetime(storeTtl),
        };
      });
      return this.#tiers.writeMany(writes, signal);
    });
  }

  /** Stores `value` only if `key` is absent (or expired). Resolves whether it wrote. */
  add<T>(key: string, value: T, ttl?: Ttl, options?: OperationOptions): Promise<boolean> {
    return this.#calls.call('add', key, options, (signal) => {
      assertStorable(value);
      return this.#tiers.add(key, value, this.#ttl(ttl), signal);
    });
  }

  /** Reads and deletes `key`. Not atomic across processes: two concurrent pulls may both read the value. */
  pull<T>(key: string, options?: OperationOptions): Promise<T | undefined> {
    return this.#calls.call(
      'pull',
      key,
      options,
      async (signal) => {
        const value = await this.#tiers.readFresh(key, signal);
        await this.#tiers.delete(key, signal);
        return value as T | undefined;
      },
      (v) => v !== undefined,
    );
  }

  /** Deletes `key` (idempotent). */
  delete(key: string, options?: OperationOptions): Promise<void> {
    return this.#calls.call('delete', key, options, (signal) => this.#tiers.delete(key, signal));
  }

  /** Deletes several keys (idempotent). */
  deleteMany(keys: readonly string[], options?: OperationOptions): Promise<void> {
    return this.#calls.batch('deleteMany', keys, options, (signal) => this.#tiers.deleteMany(keys, signal));
  }

  /** Removes every entry of this cache's store prefix. */
  flush(options?: OperationOptions): Promise<void> {
    return this.#calls.call('flush', NO_KEY, options, (signal) => this.#tiers.flush(signal));
  }

  // ---------------------------------------------------------------- counters

  /**
   * Atomically adds `delta` (a signed safe integer, default 1) to the counter at
   * `key`, starting from 0, and refreshes its TTL. Counters are stored as decimal
   * text, so `get<number>(key)` reads them with the default codec.
   */
  increment(key: string, delta = 1, ttl?: Ttl, options?: OperationOptions): Promise<number> {
    return this.#calls.call('increment', key, options, (signal) => {
      assertSafeInteger(delta);
      return this.#tiers.increment(key, delta, this.#ttl(ttl), signal);
    });
  }

  /** {@link Cache.increment} by `-delta`. */
  decrement(key: string, delta = 1, ttl?: Ttl, options?: OperationOptions): Promise<number> {
    return this.#calls.call('decrement', key, options, (signal) => {
      assertSafeInteger(delta);
      return this.#tiers.increment(key, -delta, this.#ttl(ttl), signal);
    });
  }

  // ---------------------------------------------------------------- raw bytes and strings

  /** The bytes stored at `key` (no codec; compression/encryption are undone). */
  getBytes(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    return this.#calls.call(
      'getBytes',
      key,
      options,
      (signal) => this.#tiers.readRaw(key, signal),
      (v) => v !== undefined,
    );
  }

  /** Stores bytes at `key` (no codec; compression/encryption apply). */
  setBytes(key: string, value: Uint8Array, ttl?: Ttl, options?: OperationOptions): Promise<void> {
    return this.#calls.call('setBytes', key, options, (signal) => {
      if (!(value instanceof Uint8Array)) throw new InvalidValueError('value must be a Uint8Array');
      return this.#tiers.writeRaw(key, value, this.#ttl(ttl), signal);
    });
  }

  /** The string stored at `key` as UTF-8 by {@link Cache.setString}. */
  getString(key: string, options?: OperationOptions): Promise<string | undefined> {
    return this.#calls.call(
      'getString',
      key,
      options,
      async (signal) => {
        const bytes = await this.#tiers.readRaw(key, signal);
        if (bytes === undefined) return undefined;
        try {
          return fromUtf8(bytes);
        } catch (error) {
          throw new CorruptPayloadError('stored bytes are not valid UTF-8', { cause: error });
        }
      },
      (v) => v !== undefined,
    );
  }

  /** Stores a string as raw UTF-8 (no codec; compression/encryption apply). */
  setString(key: string, value: string, ttl?: Ttl, options?: OperationOptions): Promise<void> {
    return this.#calls.call('setString', key, options, (signal) => {
      if (typeof value !== 'string') throw new InvalidValueError('value must be a string');
      return this.#tiers.writeRaw(key, utf8(value), this.#ttl(ttl), signal);
    });
  }

  // ---------------------------------------------------------------- read-through

  /**
   * Read-through: the cached value, or the factory's value (then cached for
   * `ttl`). Concurrent callers of one key in this process share one flight: one
   * store read, one factory call, one store write. `options` choose the behaviour
   * (`grace`, `graceBackoff`, `softTimeout`, `hardTimeout`, `eagerRefresh`,
   * `jitter`, `backgroundCompletion`, `failOpen`; defaults from `new Cache({ defaults })`).
   * A factory error reaches every waiter and is not cached (unless a graced value
   * is served instead); a factory result of `undefined` is returned, not cached.
   * A failing store is bypassed (fail-open) unless `failOpen: false`.
   */
  remember<T>(key: string, ttl: Ttl | undefined, factory: Factory<T>, options?: RememberOptions): Promise<T> {
    if (this.#peek && noDeadline(options) && isFastKey(key, this.#config.maxKeyLength)) {
      const eager = options?.eagerRefresh ?? this.#config.defaults.eagerRefresh;
      const hit = this.#tiers.peek(key, typeof eager === 'number' ? eager : 0, () => this.#ttl(ttl));
      if (hit !== SLOW && hit !== undefined) return Promise.resolve(hit as T);
    }
    return this.#readThrough.remember(
      'remember',
      key,
      ttl,
      factory as Factory<unknown>,
      options,
      undefined,
    ) as Promise<T>;
  }

  /**
   * Batch read-through: one store `getMany`, **one** factory call for every missing
   * key (`factory(missingKeys, ctx)` returns their values in order, or a `Map`),
   * one `setMany`. Keys another call is computing are awaited, not recomputed.
   * Values come back in the order of `keys`.
   */
  rememberMany<T>(
    keys: readonly string[],
    ttl: Ttl | undefined,
    factory: ManyFactory<T>,
    options?: RememberOptions,
  ): Promise<(T | undefined)[]> {
    return this.#readThrough.many(keys, ttl, factory, options);
  }

  /**
   * Read-through with a grace period (fail-safe): `remember` with `grace: staleTtl`.
   * Values are fresh for `ttl` and kept `staleTtl` longer; when the factory fails
   * (or hits `hardTimeout`) the last good value is served with `stale: true`,
   * otherwise the factory error is rethrown. No `graceBackoff` unless given in `options`.
   */
  rememberStale<T>(
    key: string,
    ttl: Ttl | undefined,
    staleTtl: Duration,
    factory: Factory<T>,
    options?: RememberOptions,
  ): Promise<StaleResult<T>> {
    return this.#readThrough.stale(key, ttl, staleTtl, factory, options);
  }

  /**
   * Serves the cached value at once; when it is within `window` of going stale,
   * refreshes it in the background (one refresher per key in this process, and
   * across processes on a shared store through an internal lock): `remember` with
   * `eagerRefresh` set from `window`. A failing refresh keeps the old value and is
   * reported to the observer as a `refresh` event. A miss computes the value like
   * {@link Cache.remember}.
   */
  refreshAhead<T>(
    key: string,
    ttl: Ttl | undefined,
    window: Duration,
    factory: Factory<T>,
    options?: RememberOptions,
  ): Promise<T> {
    const refresh = factory as Factory<unknown>;
    return this.#readThrough.remember('refreshAhead', key, ttl, refresh, options, window) as Promise<T>;
  }

  // ---------------------------------------------------------------- locks and rate limiting

  /**
   * One attempt to take the lock named `key` for `ttl`. Resolves a {@link Lock}
   * handle, or `undefined` when someone else holds it.
   */
  tryLock(key: string, ttl?: Ttl, options?: OperationOptions): Promise<Lock | undefined> {
    return this.#calls.call(
      'tryLock',
      key,
      options,
      (signal) => tryLockOnce(this.store, key, this.#ttl(ttl), signal),
      (lock) => lock !== undefined,
    );
  }

  /**
   * Waits for the lock named `key`, retrying with jittered backoff until
   * `options.timeout` (default 10 s, then {@link LockTimeoutError}) or until
   * `options.signal` aborts (a `CacheAbortError`).
   */
  lock(key: string, ttl?: Ttl, options?: LockOptions): Promise<Lock> {
    return this.#calls.call('lock', key, undefined, () =>
      waitForLock(this.store, key, this.#ttl(ttl), options),
    );
  }

  /** Runs `fn` while holding the lock named `key`, releasing it afterwards (also when `fn` throws). */
  withLock<R>(
    key: string,
    ttl: Ttl | undefined,
    fn: (lock: Lock) => R | Promise<R>,
    options?: LockOptions,
  ): Promise<R> {
    return this.#calls.call('withLock', key, undefined, () => {
      if (typeof fn !== 'function') throw new InvalidArgumentError('withLock needs a function to run');
      return runWithLock(this.store, key, this.#ttl(ttl), fn, options);
    });
  }

  /**
   * Counts one request against `limit` per fixed `window` for `key`. Shared across
   * processes on a shared store.
   */
  rateLimit(
    key: string,
    limit: number,
    window: Duration,
    options?: OperationOptions,
  ): Promise<RateLimitResult> {
    return this.#calls.call(
      'rateLimit',
      key,
      options,
      (signal) => {
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new InvalidArgumentError(`limit must be a positive integer, got ${String(limit)}`);
        }
        return countRequest(this.store, key, limit, toPositiveMilliseconds(window, 'window'), signal);
      },
      (r) => r.allowed,
    );
  }

  // ---------------------------------------------------------------- lifecycle

  /** Closes the store (and, with an L1, the L1 and the bus subscription; never the bus itself, which may be shared). */
  close(): Promise<void> {
    return this.#tiers.close();
  }

  /**
   * Whether the store answers right now (one probe read, bounded by `timeout`,
   * default 1 s; not sent while the circuit is open), the L2 circuit state and the
   * bus connection — cheap enough for a readiness probe.
   */
  health(options?: { readonly timeout?: Duration }): Promise<CacheHealth> {
    const timeoutMs =
      options?.timeout === undefined ? 1_000 : toPositiveMilliseconds(options.timeout, 'timeout');
    return this.#tiers.health(timeoutMs);
  }

  // ---------------------------------------------------------------- plumbing

  #ttl(ttl: Ttl | undefined): number {
    return ttlOf(ttl, this.#config.defaultTtl);
  }
}
