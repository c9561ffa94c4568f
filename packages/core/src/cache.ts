import { fromUtf8, utf8 } from './bytes.js';
import { type Codec, jsonCodec } from './codec.js';
import { type Duration, resolveTtl, type Ttl, toPositiveMilliseconds } from './duration.js';
import { type DecodedEntry, EntryCodec } from './entry/entry-codec.js';
import { StampedValue } from './entry/stamped.js';
import {
  CacheTimeoutError,
  ConfigError,
  CorruptPayloadError,
  InvalidValueError,
  LockTimeoutError,
} from './errors.js';
import { acquireLock, type Lock } from './helpers/lock.js';
import { countRequest, type RateLimitResult } from './helpers/rate-limit.js';
import { SingleFlight } from './helpers/singleflight.js';
import { assertValidKey, DEFAULT_MAX_KEY_LENGTH } from './keys.js';
import type { CacheObserver, CacheOperation } from './observer.js';
import { type CompressionOption, compressionSettings } from './shaping/compress.js';
import { type EncryptionOption, Encryptor } from './shaping/encrypt.js';
import { abortableDelay, type OperationOptions, withDeadline } from './signal.js';
import {
  BYTES_ENTRY,
  isReferenceStore,
  MISS,
  NO_EXPIRY,
  type ReferenceStore,
  type Store,
  type StoreEntry,
  type StoreOperationOptions,
} from './store.js';

/** Configuration of a {@link Cache}. */
export interface CacheOptions {
  /** Where bytes live. */
  readonly store: Store;
  /** TTL used when a call passes none (or a non-positive one). Default `'5m'`. */
  readonly defaultTtl?: Ttl;
  /** Value codec. Default {@link jsonCodec}. */
  readonly codec?: Codec;
  /** Compress values (skipped when it does not make them smaller). */
  readonly compression?: CompressionOption;
  /** AES-256-GCM encryption, the cache key bound as associated data. */
  readonly encryption?: EncryptionOption;
  /** Largest stored entry in bytes (after shaping), checked before any store call. */
  readonly maxValueBytes?: number;
  /** Longest key in UTF-16 code units. Default 4096. */
  readonly maxKeyLength?: number;
  /** Receives one event per call. */
  readonly observer?: CacheObserver;
  /** Default deadline of every call (none by default: drivers apply their own timeouts). */
  readonly timeout?: Duration;
}

/** One entry of {@link Cache.setMany}. */
export interface CacheEntry<T> {
  /** The key. */
  readonly key: string;
  /** The value. */
  readonly value: T;
  /** Its TTL (default TTL when omitted). */
  readonly ttl?: Ttl;
}

/** What a factory passed to `remember` and friends receives. */
export interface FactoryContext {
  /** The key being computed. */
  readonly key: string;
  /** Aborts when every caller waiting for this computation has gone away. */
  readonly signal: AbortSignal;
}

/** Computes a value on a miss. It may return the value or a promise of it. */
export type Factory<T> = (context: FactoryContext) => T | Promise<T>;

/** Result of {@link Cache.rememberStale}. */
export interface StaleResult<T> {
  /** The value: fresh, or the last good one when the factory failed. */
  readonly value: T;
  /** `true` when the factory failed and this is the last good value, served within its stale window. */
  readonly stale: boolean;
}

/** Options of {@link Cache.lock} and {@link Cache.withLock}. */
export interface LockOptions {
  /** How long to wait for the lock. Default `'10s'`. */
  readonly timeout?: Duration;
  /** Stops waiting: rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** First delay between attempts (doubling, with jitter, up to 250 ms). Default 10 ms. */
  readonly retryDelay?: Duration;
}

/** A stored entry as the helpers see it. */
interface FoundEntry {
  readonly value: unknown;
  /** Soft expiry (ms since epoch) for helper entries. */
  readonly softExpiresAt: number | undefined;
}

const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
const RESOLVED_VOID: Promise<void> = Promise.resolve();
const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const MAX_LOCK_RETRY_DELAY_MS = 250;

function storeOptions(signal: AbortSignal | undefined): StoreOperationOptions | undefined {
  return signal === undefined ? undefined : { signal };
}

function isFresh(entry: FoundEntry, now: number): boolean {
  return entry.softExpiresAt === undefined || entry.softExpiresAt > now;
}

function assertStorable(value: unknown): void {
  if (value === undefined)
    throw new InvalidValueError('undefined cannot be cached (a miss already reads as undefined)');
}

function assertSafeInteger(delta: number): void {
  if (!Number.isSafeInteger(delta)) throw new InvalidValueError(`delta must be a safe integer, got ${delta}`);
}

function assertBytes(value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidValueError('value must be a Uint8Array');
}

/**
 * The cache facade: typed values, shaping and helpers over any {@link Store}.
 *
 * Fast path: over a store that keeps values by reference (the memory store, by
 * default) and with no shaping, custom codec, `maxValueBytes`, observer or call
 * options configured, `get`/`set`/`add`/`remember` hits are one synchronous map
 * operation wrapped in an already-resolved promise: no encoding, no copy, no
 * extra `await`.
 */
export class Cache {
  /** The store this cache writes to. */
  readonly store: Store;
  readonly #ref: ReferenceStore | undefined;
  readonly #entries: EntryCodec;
  readonly #defaultTtl: number;
  readonly #maxKeyLength: number;
  readonly #observer: CacheObserver | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #remembering = new SingleFlight<unknown>();
  readonly #rememberingStale = new SingleFlight<StaleResult<unknown>>();
  readonly #refreshing = new Set<string>();

  /**
   * @throws {@link ConfigError} for invalid options (bad encryption key, bad sizes, missing store).
   */
  constructor(options: CacheOptions) {
    if (options === null || typeof options !== 'object' || options.store === undefined) {
      throw new ConfigError('new Cache({ store }) needs a store');
    }
    const { store } = options;
    this.store = store;
    this.#defaultTtl =
      options.defaultTtl === undefined ? DEFAULT_TTL_MS : resolveDefaultTtl(options.defaultTtl);
    this.#maxKeyLength = options.maxKeyLength ?? DEFAULT_MAX_KEY_LENGTH;
    if (!Number.isInteger(this.#maxKeyLength) || this.#maxKeyLength < 1) {
      throw new ConfigError('maxKeyLength must be a positive integer');
    }
    const maxValueBytes = options.maxValueBytes ?? store.capabilities.maxValueBytes;
    if (
      options.maxValueBytes !== undefined &&
      (!Number.isInteger(options.maxValueBytes) || options.maxValueBytes < 1)
    ) {
      throw new ConfigError('maxValueBytes must be a positive integer');
    }
    const storeCap = store.capabilities.maxValueBytes;
    const effectiveMax =
      storeCap !== undefined && maxValueBytes !== undefined
        ? Math.min(maxValueBytes, storeCap)
        : maxValueBytes;
    const codec = options.codec ?? jsonCodec;
    if (typeof codec?.encode !== 'function' || typeof codec.decode !== 'function') {
      throw new ConfigError('codec must have encode() and decode()');
    }
    const compression = compressionSettings(options.compression);
    const encryptor = options.encryption === undefined ? undefined : new Encryptor(options.encryption);
    this.#entries = new EntryCodec({ codec, compression, encryptor, maxValueBytes: effectiveMax });
    this.#observer = options.observer;
    this.#timeoutMs =
      options.timeout === undefined ? undefined : toPositiveMilliseconds(options.timeout, 'timeout');
    const byReference =
      isReferenceStore(store) &&
      codec === jsonCodec &&
      compression === undefined &&
      encryptor === undefined &&
      options.maxValueBytes === undefined;
    this.#ref = byReference ? store : undefined;
  }

  // ---------------------------------------------------------------- plumbing

  /** Validates the key, applies the deadline, reports to the observer. */
  #call<R>(
    op: CacheOperation,
    key: string | undefined,
    options: OperationOptions | undefined,
    operation: (signal: AbortSignal | undefined) => Promise<R>,
    hit?: (result: R) => boolean,
  ): Promise<R> {
    let promise: Promise<R>;
    try {
      if (key !== undefined) assertValidKey(key, this.#maxKeyLength);
      promise = withDeadline(op, options, this.#timeoutMs, operation);
    } catch (error) {
      promise = Promise.reject(error);
    }
    const observer = this.#observer;
    if (observer === undefined) return promise;
    const started = performance.now();
    return promise.then(
      (result) => {
        this.#emit(observer, op, key, started, hit?.(result), undefined);
        return result;
      },
      (error: unknown) => {
        this.#emit(observer, op, key, started, undefined, error);
        throw error;
      },
    );
  }

  #emit(
    observer: CacheObserver,
    op: CacheOperation,
    key: string | undefined,
    started: number,
    hit: boolean | undefined,
    error: unknown,
  ): void {
    try {
      observer({ op, key, hit, error, durationMs: performance.now() - started, driver: this.store.name });
    } catch {
      // An observer must never break the call it observes.
    }
  }

  /** Whether the synchronous by-reference fast path applies to a call. */
  #fast(options: OperationOptions | undefined): ReferenceStore | undefined {
    return options === undefined && this.#observer === undefined && this.#timeoutMs === undefined
      ? this.#ref
      : undefined;
  }

  #ttl(ttl: Ttl | undefined): number {
    return resolveTtl(ttl, this.#defaultTtl);
  }

  /** Reads an entry with its helper metadata; `undefined` for a miss. Never filters by freshness. */
  async #read(key: string, signal: AbortSignal | undefined): Promise<FoundEntry | undefined> {
    const ref = this.#ref;
    if (ref !== undefined) {
      const value = ref.peekValue(key);
      if (value === MISS) return undefined;
      if (value !== BYTES_ENTRY) {
        return value instanceof StampedValue
          ? { value: value.value, softExpiresAt: value.softExpiresAt }
          : { value, softExpiresAt: undefined };
      }
    }
    const bytes = await this.store.get(key, storeOptions(signal));
    return bytes === undefined ? undefined : this.#entries.decode(key, bytes, false);
  }

  /** Writes a value, stamped with a soft expiry for helper entries. */
  async #write(
    key: string,
    value: unknown,
    ttl: number,
    softExpiresAt: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const ref = this.#ref;
    if (ref !== undefined) {
      ref.putValue(key, softExpiresAt === undefined ? value : new StampedValue(value, softExpiresAt), ttl);
      return;
    }
    const bytes = await this.#entries.encode(key, value, false, softExpiresAt);
    await this.store.set(key, bytes, ttl, storeOptions(signal));
  }

  async #readFresh(key: string, signal: AbortSignal | undefined): Promise<unknown> {
    const entry = await this.#read(key, signal);
    return entry !== undefined && isFresh(entry, Date.now()) ? entry.value : undefined;
  }

  // ---------------------------------------------------------------- values

  /** The value stored at `key`, or `undefined` on a miss. */
  get<T>(key: string, options?: OperationOptions): Promise<T | undefined> {
    const ref = this.#fast(options);
    if (ref !== undefined && typeof key === 'string' && key.length > 0 && key.length <= this.#maxKeyLength) {
      try {
        const value = ref.peekValue(key);
        if (value === MISS) return RESOLVED_UNDEFINED;
        if (value !== BYTES_ENTRY && !(value instanceof StampedValue)) return Promise.resolve(value as T);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#call(
      'get',
      key,
      options,
      (signal) => this.#readFresh(key, signal) as Promise<T | undefined>,
      (v) => v !== undefined,
    );
  }

  /** Stores `value` at `key` for `ttl` (default TTL when omitted). */
  set<T>(key: string, value: T, ttl?: Ttl, options?: OperationOptions): Promise<void> {
    const ref = this.#fast(options);
    if (ref !== undefined && typeof key === 'string' && key.length > 0 && key.length <= this.#maxKeyLength) {
      try {
        assertStorable(value);
        ref.putValue(key, value, this.#ttl(ttl));
        return RESOLVED_VOID;
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#call('set', key, options, async (signal) => {
      assertStorable(value);
      await this.#write(key, value, this.#ttl(ttl), undefined, signal);
    });
  }

  /** Values for `keys`, in the same order, `undefined` for each miss. One store round trip. */
  getMany<T>(keys: readonly string[], options?: OperationOptions): Promise<(T | undefined)[]> {
    return this.#batch('getMany', keys, options, async (signal) => {
      const result: (T | undefined)[] = new Array(keys.length);
      const ref = this.#ref;
      const pending: number[] = [];
      const now = Date.now();
      for (let i = 0; i < keys.length; i++) {
        const value = ref === undefined ? BYTES_ENTRY : ref.peekValue(keys[i] as string);
        if (value === MISS) result[i] = undefined;
        else if (value === BYTES_ENTRY) pending.push(i);
        else if (value instanceof StampedValue)
          result[i] = (value.softExpiresAt > now ? value.value : undefined) as T;
        else result[i] = value as T;
      }
      if (pending.length > 0) {
        const pendingKeys = pending.map((i) => keys[i] as string);
        const values = await this.store.getMany(pendingKeys, storeOptions(signal));
        for (let j = 0; j < pending.length; j++) {
          const bytes = values[j];
          const key = pendingKeys[j] as string;
          let entry = bytes === undefined ? undefined : this.#entries.decode(key, bytes, false);
          if (entry instanceof Promise) entry = await entry;
          result[pending[j] as number] = (
            entry !== undefined && isFresh(entry, now) ? entry.value : undefined
          ) as T;
        }
      }
      return result;
    });
  }

  /** Stores several entries in one batch. Every entry is validated and encoded before the store is called. */
  setMany<T>(entries: readonly CacheEntry<T>[], options?: OperationOptions): Promise<void> {
    const keys = Array.isArray(entries)
      ? entries.map((entry) => entry?.key)
      : (entries as unknown as string[]);
    return this.#batch('setMany', keys, options, async (signal) => {
      const ttls = entries.map((entry) => {
        assertStorable(entry.value);
        return this.#ttl(entry.ttl);
      });
      const ref = this.#ref;
      if (ref !== undefined) {
        entries.forEach((entry, i) => {
          ref.putValue(entry.key, entry.value, ttls[i] as number);
        });
        return;
      }
      const encoded: StoreEntry[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as CacheEntry<T>;
        encoded.push({
          key: entry.key,
          value: await this.#entries.encode(entry.key, entry.value, false),
          ttl: ttls[i] as number,
        });
      }
      if (encoded.length > 0) await this.store.setMany(encoded, storeOptions(signal));
    });
  }

  /** Stores `value` only if `key` is absent (or expired). Resolves whether it wrote. */
  add<T>(key: string, value: T, ttl?: Ttl, options?: OperationOptions): Promise<boolean> {
    return this.#call('add', key, options, async (signal) => {
      assertStorable(value);
      const ttlMs = this.#ttl(ttl);
      const ref = this.#ref;
      if (ref !== undefined) return ref.addValue(key, value, ttlMs);
      const bytes = await this.#entries.encode(key, value, false);
      return this.store.add(key, bytes, ttlMs, storeOptions(signal));
    });
  }

  /** Reads and deletes `key`. Not atomic across processes: two concurrent pulls may both read the value. */
  pull<T>(key: string, options?: OperationOptions): Promise<T | undefined> {
    return this.#call(
      'pull',
      key,
      options,
      async (signal) => {
        const value = await this.#readFresh(key, signal);
        await this.store.delete(key, storeOptions(signal));
        return value as T | undefined;
      },
      (v) => v !== undefined,
    );
  }

  /** Deletes `key` (idempotent). */
  delete(key: string, options?: OperationOptions): Promise<void> {
    return this.#call('delete', key, options, (signal) => this.store.delete(key, storeOptions(signal)));
  }

  /** Deletes several keys (idempotent). */
  deleteMany(keys: readonly string[], options?: OperationOptions): Promise<void> {
    return this.#batch('deleteMany', keys, options, async (signal) => {
      if (keys.length > 0) await this.store.deleteMany(keys, storeOptions(signal));
    });
  }

  /** Removes every entry of this cache's store prefix. */
  flush(options?: OperationOptions): Promise<void> {
    return this.#call('flush', undefined, options, (signal) => this.store.flush(storeOptions(signal)));
  }

  // ---------------------------------------------------------------- counters

  /**
   * Atomically adds `delta` (a signed safe integer, default 1) to the counter at
   * `key`, starting from 0, and refreshes its TTL. Counters are stored as decimal
   * text, so `get<number>(key)` reads them with the default codec.
   */
  increment(key: string, delta = 1, ttl?: Ttl, options?: OperationOptions): Promise<number> {
    return this.#call('increment', key, options, (signal) => {
      assertSafeInteger(delta);
      return this.store.increment(key, delta, this.#ttl(ttl), storeOptions(signal));
    });
  }

  /** {@link Cache.increment} by `-delta`. */
  decrement(key: string, delta = 1, ttl?: Ttl, options?: OperationOptions): Promise<number> {
    return this.#call('decrement', key, options, (signal) => {
      assertSafeInteger(delta);
      return this.store.increment(key, -delta, this.#ttl(ttl), storeOptions(signal));
    });
  }

  // ---------------------------------------------------------------- raw bytes and strings

  /** The bytes stored at `key` (no codec; compression/encryption are undone). */
  getBytes(key: string, options?: OperationOptions): Promise<Uint8Array | undefined> {
    return this.#call(
      'getBytes',
      key,
      options,
      (signal) => this.#getRaw(key, signal),
      (v) => v !== undefined,
    );
  }

  /** Stores bytes at `key` (no codec; compression/encryption apply). */
  setBytes(key: string, value: Uint8Array, ttl?: Ttl, options?: OperationOptions): Promise<void> {
    return this.#call('setBytes', key, options, (signal) => {
      assertBytes(value);
      return this.#setRaw(key, value, ttl, signal);
    });
  }

  /** The string stored at `key` as UTF-8 by {@link Cache.setString}. */
  getString(key: string, options?: OperationOptions): Promise<string | undefined> {
    return this.#call(
      'getString',
      key,
      options,
      async (signal) => {
        const bytes = await this.#getRaw(key, signal);
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
    return this.#call('setString', key, options, (signal) => {
      if (typeof value !== 'string') throw new InvalidValueError('value must be a string');
      return this.#setRaw(key, utf8(value), ttl, signal);
    });
  }

  async #getRaw(key: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const bytes = await this.store.get(key, storeOptions(signal));
    if (bytes === undefined) return undefined;
    const decoded = this.#entries.decode(key, bytes, true);
    const entry: DecodedEntry = decoded instanceof Promise ? await decoded : decoded;
    return isFresh(entry, Date.now()) ? (entry.value as Uint8Array) : undefined;
  }

  async #setRaw(
    key: string,
    value: Uint8Array,
    ttl: Ttl | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const ttlMs = this.#ttl(ttl);
    const bytes = await this.#entries.encode(key, value, true);
    await this.store.set(key, bytes, ttlMs, storeOptions(signal));
  }

  // ---------------------------------------------------------------- read-through helpers

  /**
   * Read-through: the cached value, or the factory's value (then cached for `ttl`).
   * Concurrent callers of one key in this process share one flight: one store
   * read, one factory call, one store write. A factory error reaches every waiter
   * and is not cached. A factory result of `undefined` is returned but not cached.
   * Store errors propagate (use {@link Cache.rememberStale} for fail-safe reads).
   */
  remember<T>(
    key: string,
    ttl: Ttl | undefined,
    factory: Factory<T>,
    options?: OperationOptions,
  ): Promise<T> {
    const ref = this.#fast(options);
    if (ref !== undefined && typeof key === 'string' && key.length > 0 && key.length <= this.#maxKeyLength) {
      try {
        const value = ref.peekValue(key);
        if (value !== MISS && value !== BYTES_ENTRY && !(value instanceof StampedValue)) {
          return Promise.resolve(value as T);
        }
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#call('remember', key, options, (signal) => {
      const ttlMs = this.#ttl(ttl);
      return this.#remembering.run(key, signal, async (flightSignal) => {
        const cached = await this.#readFresh(key, flightSignal);
        if (cached !== undefined) return cached;
        const value = await factory({ key, signal: flightSignal });
        if (value !== undefined) await this.#write(key, value, ttlMs, undefined, flightSignal);
        return value;
      }) as Promise<T>;
    });
  }

  /**
   * Read-through with a grace period (fail-safe). Values are kept for
   * `ttl + staleTtl`, fresh for `ttl`. When the factory fails and the last good
   * value is still within its stale window, that value is served with
   * `stale: true`; otherwise the factory error is rethrown (with the store's error
   * as its `cause`, when reading the stale value failed too and the factory error
   * had no cause). A store outage on read or write does not fail a call whose
   * factory succeeds.
   */
  rememberStale<T>(
    key: string,
    ttl: Ttl | undefined,
    staleTtl: Duration,
    factory: Factory<T>,
    options?: OperationOptions,
  ): Promise<StaleResult<T>> {
    return this.#call(
      'rememberStale',
      key,
      options,
      (signal) => {
        const ttlMs = this.#ttl(ttl);
        const staleMs = toPositiveMilliseconds(staleTtl, 'staleTtl');
        return this.#rememberingStale.run(key, signal, async (flightSignal) => {
          let entry: FoundEntry | undefined;
          let readError: unknown;
          try {
            entry = await this.#read(key, flightSignal);
          } catch (error) {
            readError = error;
          }
          if (entry !== undefined && isFresh(entry, Date.now())) return { value: entry.value, stale: false };
          let value: unknown;
          try {
            value = await factory({ key, signal: flightSignal });
          } catch (factoryError) {
            if (entry !== undefined) return { value: entry.value, stale: true };
            if (
              readError !== undefined &&
              factoryError instanceof Error &&
              factoryError.cause === undefined
            ) {
              factoryError.cause = readError;
            }
            throw factoryError;
          }
          if (value !== undefined) {
            const forever = ttlMs === NO_EXPIRY;
            try {
              await this.#write(
                key,
                value,
                forever ? NO_EXPIRY : ttlMs + staleMs,
                forever ? undefined : Date.now() + ttlMs,
                flightSignal,
              );
            } catch (writeError) {
              this.#report('rememberStale', key, writeError);
            }
          }
          return { value, stale: false };
        }) as Promise<StaleResult<T>>;
      },
      (r) => !r.stale,
    );
  }

  /**
   * Serves the cached value at once; when it is within `window` of expiring,
   * refreshes it in the background (one refresher per key across processes,
   * through a lock on the store). A failing refresh keeps the old value and is
   * reported to the observer as a `refresh` event. A miss computes the value like
   * {@link Cache.remember}.
   */
  refreshAhead<T>(
    key: string,
    ttl: Ttl | undefined,
    window: Duration,
    factory: Factory<T>,
    options?: OperationOptions,
  ): Promise<T> {
    return this.#call(
      'refreshAhead',
      key,
      options,
      async (signal) => {
        const ttlMs = this.#ttl(ttl);
        const windowMs = toPositiveMilliseconds(window, 'window');
        const entry = await this.#read(key, signal);
        const now = Date.now();
        if (entry !== undefined && isFresh(entry, now)) {
          if (entry.softExpiresAt !== undefined && now >= entry.softExpiresAt - windowMs) {
            this.#refreshInBackground(key, ttlMs, windowMs, factory);
          }
          return entry.value as T;
        }
        return this.#remembering.run(key, signal, async (flightSignal) => {
          const value = await factory({ key, signal: flightSignal });
          if (value !== undefined) await this.#writeStamped(key, value, ttlMs, flightSignal);
          return value;
        }) as Promise<T>;
      },
      () => true,
    );
  }

  async #writeStamped(
    key: string,
    value: unknown,
    ttlMs: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const soft = ttlMs === NO_EXPIRY ? undefined : Date.now() + ttlMs;
    await this.#write(key, value, ttlMs, soft, signal);
  }

  #refreshInBackground<T>(key: string, ttlMs: number, windowMs: number, factory: Factory<T>): void {
    if (this.#refreshing.has(key)) return;
    this.#refreshing.add(key);
    const started = performance.now();
    const run = async (): Promise<void> => {
      // The cross-process guard: only the holder of `refresh:<key>` recomputes.
      const lock = await acquireLock(this.store, `refresh:${key}`, Math.max(windowMs, 1000), undefined);
      if (lock === undefined) return;
      try {
        const controller = new AbortController();
        const value = await factory({ key, signal: controller.signal });
        if (value !== undefined) await this.#writeStamped(key, value, ttlMs, undefined);
      } finally {
        await lock.release().catch(() => undefined);
      }
    };
    run().then(
      () => {
        this.#refreshing.delete(key);
        if (this.#observer !== undefined)
          this.#emit(this.#observer, 'refresh', key, started, undefined, undefined);
      },
      (error: unknown) => {
        this.#refreshing.delete(key);
        if (this.#observer !== undefined)
          this.#emit(this.#observer, 'refresh', key, started, undefined, error);
      },
    );
  }

  #report(op: CacheOperation, key: string, error: unknown): void {
    if (this.#observer !== undefined)
      this.#emit(this.#observer, op, key, performance.now(), undefined, error);
  }

  // ---------------------------------------------------------------- locks

  /**
   * One attempt to take the lock named `key` for `ttl`. Resolves a {@link Lock}
   * handle, or `undefined` when someone else holds it.
   */
  tryLock(key: string, ttl?: Ttl, options?: OperationOptions): Promise<Lock | undefined> {
    return this.#call(
      'tryLock',
      key,
      options,
      (signal) => acquireLock(this.store, key, this.#lockTtl(ttl), signal),
      (lock) => lock !== undefined,
    );
  }

  /**
   * Waits for the lock named `key`, retrying with jittered backoff until
   * `options.timeout` (default 10 s, then {@link LockTimeoutError}) or until
   * `options.signal` aborts.
   */
  lock(key: string, ttl?: Ttl, options?: LockOptions): Promise<Lock> {
    return this.#call('lock', key, undefined, () => this.#waitForLock(key, ttl, options));
  }

  /** Runs `fn` while holding the lock named `key`, releasing it afterwards (also when `fn` throws). */
  withLock<R>(
    key: string,
    ttl: Ttl | undefined,
    fn: (lock: Lock) => R | Promise<R>,
    options?: LockOptions,
  ): Promise<R> {
    return this.#call('withLock', key, undefined, async () => {
      const lock = await this.#waitForLock(key, ttl, options);
      let result: R;
      try {
        result = await fn(lock);
      } catch (error) {
        await lock.release().catch(() => undefined);
        throw error;
      }
      await lock.release();
      return result;
    });
  }

  #lockTtl(ttl: Ttl | undefined): number {
    const ms = this.#ttl(ttl);
    if (ms === NO_EXPIRY)
      throw new InvalidValueError("a lock needs a finite ttl ('forever' would never free a crashed owner)");
    return ms;
  }

  async #waitForLock(key: string, ttl: Ttl | undefined, options: LockOptions | undefined): Promise<Lock> {
    const ttlMs = this.#lockTtl(ttl);
    const timeoutMs =
      options?.timeout === undefined
        ? DEFAULT_LOCK_TIMEOUT_MS
        : toPositiveMilliseconds(options.timeout, 'timeout');
    let delay =
      options?.retryDelay === undefined ? 10 : toPositiveMilliseconds(options.retryDelay, 'retryDelay');
    const signal = options?.signal;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const lock = await withDeadline(
        'lock',
        { signal, timeout: Math.max(1, deadline - Date.now()) },
        undefined,
        (s) => acquireLock(this.store, key, ttlMs, s),
      ).catch((error: unknown) => {
        // One attempt outliving the overall deadline is just a failed attempt.
        if (error instanceof CacheTimeoutError) return undefined;
        throw error;
      });
      if (lock !== undefined) return lock;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new LockTimeoutError(key, timeoutMs);
      const jittered = delay / 2 + Math.random() * (delay / 2);
      await abortableDelay(Math.min(jittered, remaining), signal);
      delay = Math.min(delay * 2, MAX_LOCK_RETRY_DELAY_MS);
    }
  }

  // ---------------------------------------------------------------- rate limiting

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
    return this.#call(
      'rateLimit',
      key,
      options,
      (signal) => {
        if (!Number.isSafeInteger(limit) || limit < 1) {
          throw new InvalidValueError(`limit must be a positive integer, got ${limit}`);
        }
        return countRequest(this.store, key, limit, toPositiveMilliseconds(window, 'window'), signal);
      },
      (r) => r.allowed,
    );
  }

  // ---------------------------------------------------------------- lifecycle

  /** Closes the store. */
  close(): Promise<void> {
    return this.store.close();
  }

  #batch<R>(
    op: CacheOperation,
    keys: readonly (string | undefined)[],
    options: OperationOptions | undefined,
    operation: (signal: AbortSignal | undefined) => Promise<R>,
  ): Promise<R> {
    let promise: Promise<R>;
    try {
      if (!Array.isArray(keys)) throw new InvalidValueError(`${op} expects an array`);
      for (const key of keys) assertValidKey(key, this.#maxKeyLength);
      promise = withDeadline(op, options, this.#timeoutMs, operation);
    } catch (error) {
      promise = Promise.reject(error);
    }
    const observer = this.#observer;
    if (observer === undefined) return promise;
    const started = performance.now();
    const emitAll = (result: unknown, error: unknown): void => {
      keys.forEach((key, i) => {
        const hit = op === 'getMany' && Array.isArray(result) ? result[i] !== undefined : undefined;
        this.#emit(observer, op, key, started, hit, error);
      });
    };
    return promise.then(
      (result) => {
        emitAll(result, undefined);
        return result;
      },
      (error: unknown) => {
        emitAll(undefined, error);
        throw error;
      },
    );
  }
}

function resolveDefaultTtl(ttl: Ttl): number {
  try {
    return resolveTtl(ttl, DEFAULT_TTL_MS);
  } catch (error) {
    throw new ConfigError(`defaultTtl is invalid: ${(error as Error).message}`, { cause: error });
  }
}
