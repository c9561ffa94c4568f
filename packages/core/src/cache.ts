import type { Duration, Ttl } from './duration.js';
import { toPositiveMilliseconds } from './duration.js';
import { InvalidArgumentError } from './errors.js';
import { assertStorable, isFastKey, noDeadline } from './facade/arguments.js';
import { SLOW } from './facade/fast-path.js';
import type { ReadThroughCalls } from './facade/read-through-calls.js';
import { ValueCalls } from './facade/value-calls.js';
import { LockCalls } from './facade/lock-calls.js';
import type { CacheConfig } from './facade/config.js';
import type {
  CacheEntry,
  CacheHealth,
  CacheOptions,
  LockOptions,
  SetOptions,
  StaleResult,
} from './facade/options.js';
import type { Lock } from './helpers/lock.js';
import type { RateLimitResult } from './helpers/rate-limit.js';
import type { Factory } from './read-through/engine.js';
import type { RememberOptions } from './read-through/options.js';
import type { ManyFactory } from './read-through/remember-many.js';
import type { OperationOptions } from './signal.js';
import type { ReferenceStore, Store } from './store.js';
import { tracing } from './observability/channels.js';
import { ObservableCache } from './observability/observable-cache.js';
import type { Telemetry } from './observability/telemetry.js';
import { Scope } from './tags/scope.js';
import { DELETE_STEP, EXPIRE_STEP } from './tags/tag-versions.js';
import type { Tiers } from './tiers/tiers.js';
import { type CacheParts, wireCache } from './facade/wiring.js';

const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const RESOLVED_VOID: Promise<void> = Promise.resolve();
const ZERO = (): number => 0;

/** Set by {@link Cache.namespace} for the constructor call that builds the view. */
let viewOf: { readonly parts: CacheParts; readonly scope: Scope } | undefined;

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
 *
 * Tags and namespaces: entries may carry tags (`set(k, v, ttl, { tags })`,
 * `remember(…, { tags })`), invalidated in O(1) by {@link Cache.deleteByTag} and
 * {@link Cache.expireByTag}; {@link Cache.namespace} returns a view of this cache
 * whose keys (and tags) live under a name, flushed in O(1). Both work by versions
 * kept in the store, never by comparing clocks (see `tags/`).
 */
export class Cache extends ObservableCache {
  /** The store this cache writes to. */
  readonly store: Store;
  /** What this cache and its views share. */
  readonly #parts: CacheParts;
  readonly #config: CacheConfig;
  readonly #tiers: Tiers;
  readonly #readThrough: ReadThroughCalls;
  /** The by-reference store when the synchronous fast path is open (no observer, no default deadline). */
  readonly #fast: ReferenceStore | undefined;
  /** Whether `get`/`remember` hits may be answered synchronously by the tiers' `peek`. */
  readonly #peek: boolean;
  /** Where this view's keys and tags live (the root, or a namespace). */
  readonly #scope: Scope;
  /** Counters, event listeners and trace names, shared with the views. */
  readonly #telemetry: Telemetry;
  /** The slow paths of the value methods, in this view's key space. */
  readonly #values: ValueCalls;
  /** Locks and rate limits, in this view's key space. */
  readonly #locks: LockCalls;

  /** @throws {@link ConfigError} for invalid options (bad encryption key, bad sizes, missing store, …). */
  constructor(options: CacheOptions) {
    // A namespace view shares everything with its parent but the key space.
    const view = viewOf;
    viewOf = undefined;
    const parts = view === undefined ? wireCache(options) : view.parts;
    const scope = view === undefined ? Scope.root : view.scope;
    const calls = scope.isRoot ? parts.calls : parts.calls.forNamespace(scope.path as string);
    const { config, tiers, telemetry } = parts;
    super(telemetry);
    this.#parts = parts;
    this.#config = config;
    this.store = config.store;
    this.#tiers = tiers;
    this.#telemetry = telemetry;
    this.#scope = scope;
    this.#readThrough = scope.isRoot ? parts.readThrough : parts.readThrough.forCalls(calls);
    this.#values = new ValueCalls(calls, tiers, scope, telemetry, parts.ttl);
    this.#locks = new LockCalls(calls, tiers.store, scope, parts.ttl);
    const plain = config.observer === undefined && config.timeoutMs === undefined;
    this.#fast = plain && scope.isRoot ? config.ref : undefined;
    this.#peek =
      plain && (config.ref !== undefined || config.syncRead !== undefined || config.hybrid !== undefined);
  }

  // ---------------------------------------------------------------- values

  /** The value stored at `key`, or `undefined` on a miss (or when only a stale value is left). */
  get<T>(key: string, options?: OperationOptions): Promise<T | undefined> {
    if (
      this.#peek &&
      options === undefined &&
      isFastKey(key, this.#config.maxKeyLength) &&
      !tracing.get.hasSubscribers
    ) {
      const hit = this.#tiers.peek(this.#scope.key(key), 0, ZERO);
      if (hit !== SLOW) {
        if (hit === undefined) {
          this.#telemetry.miss(key);
          return RESOLVED_UNDEFINED;
        }
        this.#telemetry.hit(key, this.#tiers.peekTier);
        return Promise.resolve(hit as T);
      }
    }
    return this.#values.get(key, options) as Promise<T | undefined>;
  }

  /**
   * Stores `value` at `key` for `ttl` (default TTL when omitted), with the tags in
   * `options.tags`, if any.
   */
  set<T>(key: string, value: T, ttl?: Ttl, options?: SetOptions): Promise<void> {
    const ref = this.#fast;
    if (
      ref !== undefined &&
      options === undefined &&
      isFastKey(key, this.#config.maxKeyLength) &&
      !tracing.set.hasSubscribers
    ) {
      try {
        assertStorable(value);
        ref.putValue(key, value, this.#ttl(ttl));
        this.#telemetry.wrote(key);
        return RESOLVED_VOID;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#values.set(key, value, ttl, options);
  }

  /** Values for `keys`, in the same order, `undefined` for each miss. One store round trip. */
  getMany<T>(keys: readonly string[], options?: OperationOptions): Promise<(T | undefined)[]> {
    return this.#values.getMany(keys, options) as Promise<(T | undefined)[]>;
  }

  /**
   * Stores several entries in one batch, each with its own TTL and tags. Every
   * entry is validated and encoded before the store is called.
   */
  setMany<T>(entries: readonly CacheEntry<T>[], options?: OperationOptions): Promise<void> {
    return this.#values.setMany(entries, options);
  }

  /**
   * Stores `value` only if `key` is absent (or reads as a miss: expired, or
   * invalidated by its tags or namespace). Resolves whether it wrote.
   */
  add<T>(key: string, value: T, ttl?: Ttl, options?: SetOptions): Promise<boolean> {
    return this.#values.add(key, value, ttl, options);
  }

  /** Reads and deletes `key`. Not atomic across processes: two concurrent pulls may both read the value. */
  pull<T>(key: string, options?: OperationOptions): Promise<T | undefined> {
    return this.#values.pull(key, options) as Promise<T | undefined>;
  }

  /** Deletes `key` (idempotent). */
  delete(key: string, options?: OperationOptions): Promise<void> {
    return this.#values.delete(key, options);
  }

  /** Deletes several keys (idempotent). */
  deleteMany(keys: readonly string[], options?: OperationOptions): Promise<void> {
    return this.#values.deleteMany(keys, options);
  }

  /**
   * On the root cache: removes every entry of the store's prefix — namespaces, tag
   * versions, locks, rate-limit windows and leases included (a lock held across a
   * flush is lost). On a namespace view: invalidates that namespace and every
   * namespace nested in it, in O(1) (one version bump; the entries expire with
   * their TTL); counters, locks and rate-limit windows in it are kept.
   */
  flush(options?: OperationOptions): Promise<void> {
    return this.#values.flush(options);
  }

  // ---------------------------------------------------------------- tags and namespaces

  /**
   * Invalidates every entry carrying one of `tags` (in this view: a namespace's
   * tags are its own), whatever their number: one atomic `increment` per tag, all
   * in flight at once. When it resolves, no read on this node returns an entry
   * written before the call with one of those tags — not even as a fail-safe
   * (graced) fallback; other nodes stop within their bus propagation (with a bus)
   * or `tagCheckInterval` (without). No clocks are compared.
   */
  deleteByTag(tags: string | readonly string[], options?: OperationOptions): Promise<void> {
    return this.#values.bumpTags('deleteByTag', tags, DELETE_STEP, options);
  }

  /**
   * Like {@link Cache.deleteByTag}, but the entries become *stale*, not gone: a
   * plain read misses, while `remember` with `grace` (and `rememberStale`) may still
   * serve them as the fail-safe fallback while the factory fails.
   */
  expireByTag(tags: string | readonly string[], options?: OperationOptions): Promise<void> {
    return this.#values.bumpTags('expireByTag', tags, EXPIRE_STEP, options);
  }

  /**
   * A view of this cache whose keys — and tags — live under `name`: same store, L1,
   * bus, options and helpers; its `flush()` invalidates only this namespace (and the
   * namespaces nested in it) in O(1), on every driver. Namespaces nest
   * (`cache.namespace('a').namespace('b')`), and a namespace of the same name on
   * another process sees the same entries. Cheap to create: no I/O.
   * `close()` on a view closes nothing (close the root cache).
   *
   * @param name - a non-empty string of at most 256 characters without U+001F
   * @throws {@link InvalidArgumentError} for an invalid name
   */
  namespace(name: string): Cache {
    const scope = this.#scope.child(name);
    viewOf = { parts: this.#parts, scope };
    try {
      return new Cache(undefined as unknown as CacheOptions);
    } finally {
      viewOf = undefined;
    }
  }

  // ---------------------------------------------------------------- counters

  /**
   * Atomically adds `delta` (a signed safe integer, default 1) to the counter at
   * `key`, starting from 0, and refreshes its TTL. Counters are stored as decimal
   * text, so `get<number>(key)` reads them with the default codec. Counters carry
   * no tags, and a namespace's `flush()` keeps them.
   */
  increment(key: string, delta = 1, ttl?: Ttl, options?: OperationOptions): Promise<number> {
    return this.#values.increment('increment', key, delta, ttl, options);
  }

  /** {@link Cache.increment} by `-delta`. */
  decrement(key: string, delta = 1, ttl?: Ttl, options?: OperationOptions): Promise<number> {
    return this.#values.increment('decrement', key, delta, ttl, options);
  }

  // ---------------------------------------------------------------- raw bytes and strings

  /** The bytes stored at `key` (no codec; compression/encryption are undone). */
  getBytes(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    return this.#values.getBytes(key, options);
  }

  /** Stores bytes at `key` (no codec; compression/encryption apply), with `options.tags`. */
  setBytes(key: string, value: Uint8Array, ttl?: Ttl, options?: SetOptions): Promise<void> {
    return this.#values.setRaw('setBytes', key, value, ttl, options);
  }

  /** The string stored at `key` as UTF-8 by {@link Cache.setString}. */
  getString(key: string, options?: OperationOptions): Promise<string | undefined> {
    return this.#values.getString(key, options);
  }

  /** Stores a string as raw UTF-8 (no codec; compression/encryption apply), with `options.tags`. */
  setString(key: string, value: string, ttl?: Ttl, options?: SetOptions): Promise<void> {
    return this.#values.setRaw('setString', key, value, ttl, options);
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
    if (
      this.#peek &&
      noDeadline(options) &&
      isFastKey(key, this.#config.maxKeyLength) &&
      !tracing.remember.hasSubscribers
    ) {
      const eager = options?.eagerRefresh ?? this.#config.defaults.eagerRefresh;
      const ttlMs = (): number => this.#ttl(ttl);
      const hit = this.#tiers.peek(this.#scope.key(key), typeof eager === 'number' ? eager : 0, ttlMs);
      if (hit !== SLOW && hit !== undefined) {
        this.#telemetry.hit(key, this.#tiers.peekTier);
        return Promise.resolve(hit as T);
      }
    }
    const run = factory as Factory<unknown>;
    return this.#readThrough.remember(
      'remember',
      key,
      ttl,
      run,
      options,
      undefined,
      this.#scope,
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
    return this.#readThrough.many(keys, ttl, factory, options, this.#scope);
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
    return this.#readThrough.stale(key, ttl, staleTtl, factory, options, this.#scope);
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
    const scope = this.#scope;
    return this.#readThrough.remember(
      'refreshAhead',
      key,
      ttl,
      refresh,
      options,
      window,
      scope,
    ) as Promise<T>;
  }

  // ---------------------------------------------------------------- locks and rate limiting

  /**
   * One attempt to take the lock named `key` for `ttl`. Resolves a {@link Lock}
   * handle, or `undefined` when someone else holds it.
   */
  tryLock(key: string, ttl?: Ttl, options?: OperationOptions): Promise<Lock | undefined> {
    return this.#locks.tryLock(key, ttl, options);
  }

  /**
   * Waits for the lock named `key`, retrying with jittered backoff until
   * `options.timeout` (default 10 s, then {@link LockTimeoutError}) or until
   * `options.signal` aborts (a `CacheAbortError`).
   */
  lock(key: string, ttl?: Ttl, options?: LockOptions): Promise<Lock> {
    return this.#locks.lock(key, ttl, options);
  }

  /** Runs `fn` while holding the lock named `key`, releasing it afterwards (also when `fn` throws). */
  withLock<R>(
    key: string,
    ttl: Ttl | undefined,
    fn: (lock: Lock) => R | Promise<R>,
    options?: LockOptions,
  ): Promise<R> {
    return this.#locks.withLock(key, ttl, fn, options);
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
    return this.#locks.rateLimit(key, limit, window, options);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Closes the store (and, with an L1, the L1 and the bus subscription; never the
   * bus itself, which may be shared). On a namespace view it closes nothing: the
   * root cache owns the store.
   */
  close(): Promise<void> {
    return this.#scope.isRoot ? this.#tiers.close() : RESOLVED_VOID;
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
    return this.#parts.ttl(ttl);
  }
}
