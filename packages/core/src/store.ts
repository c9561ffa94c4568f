/**
 * The Store contract: the only thing a driver implements.
 *
 * A store moves bytes. It knows nothing about codecs, compression, encryption or
 * helpers; the {@link Cache} facade does all of that above it. Every TTL a store
 * receives is an integer number of milliseconds that the facade has already
 * validated: a positive value expires the entry after that many ms, and
 * {@link NO_EXPIRY} (0) means the entry never expires.
 *
 * Keys a store receives are the caller's keys, without the store's prefix: the
 * store applies its own prefix (and any encoding its backend needs) itself, so
 * that `flush()` can remove exactly its own prefix and nothing else.
 *
 * @packageDocumentation
 */

/** Store-level TTL meaning "this entry never expires". */
export const NO_EXPIRY = 0;

/**
 * Options every store operation accepts. Drivers should pass `signal` on to their
 * client where the client supports it; the facade additionally stops waiting for
 * an operation once the signal aborts.
 */
export interface StoreOperationOptions {
  /** Aborts the wait for this operation. */
  readonly signal?: AbortSignal | undefined;
}

/** One entry of a batch write. */
export interface StoreEntry {
  /** The caller's key (unprefixed). */
  readonly key: string;
  /** The bytes to store. The store must not keep a reference the caller can mutate. */
  readonly value: Uint8Array;
  /** Integer milliseconds, or {@link NO_EXPIRY}. */
  readonly ttl: number;
}

/**
 * Static facts about a store that the contract suite and the helpers read to
 * adapt their expectations (e.g. memcached's one-second TTL resolution).
 */
export interface StoreCapabilities {
  /** Entries are visible to other processes using the same backend (Redis: yes, memory: no). */
  readonly shared: boolean;
  /** Entries survive a restart of this process (file, SQL: yes; memory: no). */
  readonly durable: boolean;
  /**
   * Granularity of expiry in ms. `1` for millisecond-precise backends, `1000` for
   * backends that expire on whole seconds. A TTL is never shortened by rounding:
   * drivers round up.
   */
  readonly ttlResolutionMs: number;
  /** Largest value (in bytes) the backend accepts, or `undefined` when effectively unbounded. */
  readonly maxValueBytes?: number | undefined;
}

/**
 * A cache backend at the bytes level. The contract table is in the repository's
 * `docs/semantics.md` ("The Store contract"); `@cache/contract` checks every row of it.
 *
 * Invariants every implementation keeps:
 * - `get` never returns an expired entry, even where the backend expires lazily.
 * - `add` treats an expired entry as absent.
 * - `increment` is atomic across every client of the backend, starts a missing key
 *   at 0, accepts signed integer deltas, refreshes the TTL, and throws
 *   {@link NotNumericError} for a value that is not a decimal integer.
 * - `flush` removes this store's prefix and nothing else.
 * - `close` releases what the store created and never closes an injected client.
 */
export interface Store {
  /** Driver name, reported to observers (`'memory'`, `'redis'`, …). */
  readonly name: string;
  /** Static capabilities of this store. */
  readonly capabilities: StoreCapabilities;

  /** The value, or `undefined` when absent or expired. */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined>;
  /** Values in the order of `keys`, `undefined` for each miss. One round trip where the backend allows. */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]>;
  /** Upsert. */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void>;
  /** Batch upsert, pipelined or batched where the backend allows. */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void>;
  /** Atomic set-if-absent (an expired entry counts as absent). Resolves `true` when it wrote. */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean>;
  /**
   * Atomically adds the signed integer `delta` to the decimal integer stored at `key`
   * (a missing key starts at 0), stores the result as ASCII decimal with the given
   * TTL, and resolves the new value.
   */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number>;
  /** Idempotent delete. */
  delete(key: string, options?: StoreOperationOptions): Promise<void>;
  /** Idempotent batch delete. */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void>;
  /** Atomic compare-and-delete: deletes only when the stored bytes equal `expected`. Resolves whether it deleted. */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean>;
  /** Removes every entry under this store's prefix and nothing else. */
  flush(options?: StoreOperationOptions): Promise<void>;
  /** Releases what the store created. Never closes a client the caller injected. Idempotent. */
  close(): Promise<void>;
}

/**
 * Returned by {@link ReferenceStore.peekValue} when the key is absent or expired.
 * Registered globally so that two copies of `@cache/core` agree on it.
 */
export const MISS: unique symbol = Symbol.for('@cache/core.miss') as never;

/**
 * Returned by {@link ReferenceStore.peekValue} when the entry holds bytes (written
 * through the byte interface); the facade then reads it with {@link Store.get}.
 */
export const BYTES_ENTRY: unique symbol = Symbol.for('@cache/core.bytes-entry') as never;

/**
 * Optional second interface of an in-process store: values by reference, with no
 * encoding and no copy. The facade uses it when no shaping and the default codec are
 * configured, which makes a memory hit cost a map lookup instead of a `JSON.parse`.
 *
 * A value written here must still be readable through the byte interface (as its
 * JSON encoding: see {@link encodeReferenceValue}), and bytes written through
 * the byte interface make `peekValue` return {@link BYTES_ENTRY}.
 */
export interface ReferenceStore extends Store {
  /**
   * Whether this store currently keeps values by reference. When `false` the
   * facade ignores the methods below and uses the byte interface (a memory store
   * in copy mode, for semantics identical to a networked store).
   */
  readonly referenceValues: boolean;
  /** The stored value, {@link MISS}, or {@link BYTES_ENTRY}. Synchronous. */
  peekValue(key: string): unknown;
  /** Stores `value` by reference. `value` is never `undefined`. */
  putValue(key: string, value: unknown, ttl: number): void;
  /** Set-if-absent by reference; returns whether it wrote. */
  addValue(key: string, value: unknown, ttl: number): boolean;
}

/**
 * Optional interface of a store whose reads complete synchronously (an embedded
 * database such as SQLite, an in-process map in copy mode). The facade answers a
 * plain hit through it without a promise per layer: `cache.get` then costs the read,
 * the decode and one resolved promise. Everything else still goes through the
 * asynchronous {@link Store} methods, and `getSync` must agree with `get`.
 */
export interface SyncReadStore extends Store {
  /**
   * {@link Store.get}, answered synchronously: the bytes at `key` (the caller's to
   * keep), or `undefined` for a miss or an expired entry. Throws what `get` would
   * reject with (`StoreClosedError` after `close()`, `InvalidKeyError`, a backend error).
   */
  getSync(key: string): Uint8Array | undefined;
}

/** Whether `store` answers reads synchronously through {@link SyncReadStore.getSync}. */
export function isSyncReadStore(store: Store): store is SyncReadStore {
  return typeof (store as Partial<SyncReadStore>).getSync === 'function';
}

/** Whether `store` offers the by-reference interface. */
export function isReferenceStore(store: Store): store is ReferenceStore {
  const candidate = store as Partial<ReferenceStore>;
  return (
    candidate.referenceValues === true &&
    typeof candidate.peekValue === 'function' &&
    typeof candidate.putValue === 'function' &&
    typeof candidate.addValue === 'function'
  );
}
