import type { Bus } from '../bus/bus.js';
import type { Codec } from '../codec.js';
import type { Duration, Ttl } from '../duration.js';
import type { CacheObserver } from '../observer.js';
import type { ReadThroughOptions } from '../read-through/options.js';
import type { CompressionOption } from '../shaping/compress.js';
import type { EncryptionOption } from '../shaping/encrypt.js';
import type { OperationOptions } from '../signal.js';
import type { Store } from '../store.js';

/** Configuration of a {@link Cache}. */
export interface CacheOptions {
  /** Where bytes live. */
  readonly store: Store;
  /**
   * The cache's name in traces and metrics (`cache` in every `diagnostics_channel`
   * context, the `cache.name` attribute of `@cache/opentelemetry`). Default `'default'`.
   */
  readonly name?: string;
  /** TTL used when a call passes none (or a non-positive one). Positive, or `'forever'`. Default `'5m'`. */
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
  /**
   * Largest size in bytes a stored compressed entry may inflate to on read; a larger
   * one (a decompression bomb, or an entry from a misconfigured writer) is a
   * `CorruptPayloadError` and never allocates more. Default 64 MiB.
   */
  readonly maxDecompressedBytes?: number;
  /**
   * Read-through behaviour of every `remember`/`rememberMany` call (grace,
   * graceBackoff, softTimeout, hardTimeout, eagerRefresh, jitter,
   * backgroundCompletion, failOpen); a per-call option overrides its default.
   */
  readonly defaults?: ReadThroughOptions;
  /**
   * An in-process store in front of `store` (the hybrid tier): any store with the
   * by-reference interface (`new MemoryStore({ maxEntries })`). Reads try it first;
   * writes go to `store`, then to it. Give a `bus` too when several nodes share `store`.
   */
  readonly l1?: Store;
  /**
   * Keeps the L1s of several nodes coherent: another node's write or delete evicts
   * the key here; a missed message (a sequence gap, a lost connection) drops the
   * whole L1 in O(1). Needs `l1`. Never closed by the cache (it may be shared).
   */
  readonly bus?: Bus;
  /** Longest time an entry stays in L1 (bounded staleness, even without a bus). Default `'30s'`. */
  readonly l1Ttl?: Duration;
  /**
   * With an L1: after `failures` consecutive store outages (default 5) the store is
   * skipped for `openFor` (default `'5s'`) — reads are served by L1, then the
   * factory; writes go to L1 only — then probed again. `false` turns it off.
   */
  readonly circuitBreaker?: false | { readonly failures?: number; readonly openFor?: Duration };
  /**
   * How long this node uses a tag or namespace version it read from a shared store
   * before reading it again, where no bus announces changes (no bus, or the bus is
   * disconnected): another node's `deleteByTag` or `ns.flush()` is seen here within
   * this bound. `0` reads versions on every read of a tagged entry (strict, one
   * extra round trip). With a connected bus versions are kept until a bump is
   * announced, unless this is given (then it caps that too). Versions of a store
   * only this process reaches (the memory store) are always current. Default `'1s'`.
   */
  readonly tagCheckInterval?: Duration;
}

/** What {@link Cache.health} reports. */
export interface CacheHealth {
  /** Whether the store answered a probe read within the timeout (not probed while the circuit is open). */
  readonly store: boolean;
  /** The L2 circuit: `'none'` without an L1 (or with the breaker off). */
  readonly circuit: 'closed' | 'open' | 'half-open' | 'none';
  /** The bus subscription: `'none'` without a bus. */
  readonly bus: 'connected' | 'disconnected' | 'none';
}

/** One entry of {@link Cache.setMany}. */
export interface CacheEntry<T> {
  /** The key. */
  readonly key: string;
  /** The value. */
  readonly value: T;
  /** Its TTL (default TTL when omitted). */
  readonly ttl?: Ttl;
  /** Its tags (see {@link Cache.deleteByTag}). */
  readonly tags?: readonly string[];
}

/** Options of {@link Cache.set}: a deadline or signal, and the entry's tags. */
export interface SetOptions extends OperationOptions {
  /**
   * Tags of the entry: `cache.deleteByTag(tag)` (or `expireByTag`) later
   * invalidates every entry carrying one of them, in O(1). Scoped to the cache view:
   * a namespace's tags are its own. At most 64 per entry, each a non-empty string
   * of at most 256 characters without U+001F.
   */
  readonly tags?: readonly string[] | undefined;
}

/** Result of {@link Cache.rememberStale}. */
export interface StaleResult<T> {
  /** The value: fresh, or the last good one when the factory failed. */
  readonly value: T;
  /** `true` when the factory failed (or timed out) and this is the last good value, served within its stale window. */
  readonly stale: boolean;
}

/** Options of {@link Cache.lock} and {@link Cache.withLock}. */
export interface LockOptions {
  /** How long to wait for the lock. Default `'10s'`. */
  readonly timeout?: Duration;
  /** Stops waiting: rejects with a `CacheAbortError` carrying the signal's reason. */
  readonly signal?: AbortSignal;
  /** First delay between attempts (doubling, with jitter, up to 250 ms). Default 10 ms. */
  readonly retryDelay?: Duration;
}
