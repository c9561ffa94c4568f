import {
  BYTES_ENTRY,
  InvalidValueError,
  MISS,
  NotNumericError,
  StoreLifecycle,
  addCounter,
  assertStoreKey,
  bytesEqual,
  decodeCounter,
  encodeCounter,
  encodeReferenceValue,
} from '@cache/core';
import type { ReferenceStore, StoreCapabilities, StoreEntry, SyncReadStore } from '@cache/core';
import { type MemoryEntry, expiryOf, isExpired } from './entry.js';
import { EntryTable } from './entry-table.js';
import type { EvictionPolicy, EvictionPolicyName } from './eviction/policy.js';
import { type MemoryStoreOptions, type MemoryValueMode, resolveMemoryStoreOptions } from './options.js';
import { type PruneTimer, Pruner, startPruneTimer } from './pruner.js';
import { sizeReferenceValue } from './value-meter.js';

const DRIVER = 'memory';

/** Capabilities of every {@link MemoryStore}: per process, volatile, millisecond TTLs, no value cap. */
export const MEMORY_STORE_CAPABILITIES: StoreCapabilities = Object.freeze({
  shared: false,
  durable: false,
  ttlResolutionMs: 1,
  maxValueBytes: undefined,
});

/**
 * In-process cache store: a `Map` plus an eviction policy over intrusive lists
 * (W-TinyLFU by default, or LRU), bounded by entries and optionally by bytes, with
 * millisecond TTLs and one background sweep timer.
 *
 * It implements both the byte-level `Store` contract and the optional by-reference
 * `ReferenceStore` interface of `@cache/core`; in `'reference'` mode (the default) the
 * `Cache` facade stores and returns your objects as they are, so a hit costs a map
 * lookup. In `'copy'` mode every value is kept as encoded bytes, as on Redis.
 *
 * Invariants (each public operation keeps them before it returns or throws):
 * - **Index and policy agree.** Every entry in the map is linked in exactly one list
 *   of the policy and vice versa; `size` is the map's size.
 * - **Use.** A successful read (`get`, `getMany`, `peekValue`) and every write
 *   (including `increment`) count as a use of the entry for the policy; misses, a
 *   refused `add`, `deleteIfEquals` and the sweep do not.
 * - **Bounds.** After every write `size <= maxEntries` and the counted bytes are
 *   `<= maxBytes`: the policy evicts entries (expired or not) until both hold, never
 *   the one just written. An entry whose own size exceeds `maxBytes` is never
 *   stored, and writing one removes the key's previous value.
 * - **Expiry.** No read ever returns an expired entry (`expiresAt !== 0 &&
 *   expiresAt <= Date.now()`); a read that meets one deletes it. Expired entries
 *   nobody reads are removed by the sweep or by eviction, so they may still count
 *   towards `size` and the bounds until then.
 * - **No timers per key.** The only timers are one unref'd interval per store and,
 *   while expired entries pile up, one catch-up timer (see `Pruner`); neither
 *   keeps the process alive, and both stop on `close()` (or when the store is
 *   garbage collected).
 * - **Keys.** Every key written passed `assertStoreKey`, so a key found in the map
 *   is well-formed: `peekValue` validates only on a miss, keeping a hit one lookup.
 * - **Values.** A by-reference value is stored only if the JSON codec could encode
 *   it (see `sizeReferenceValue`), as every other driver would require.
 * - **Isolation of bytes.** Bytes are copied on the way in and on the way out; a
 *   caller mutating its buffer never changes the store. By-reference values are
 *   deliberately *not* copied.
 */
export class MemoryStore implements ReferenceStore, SyncReadStore {
  /** Driver name reported to observers. */
  readonly name = DRIVER;
  /** See {@link MEMORY_STORE_CAPABILITIES}. */
  readonly capabilities: StoreCapabilities = MEMORY_STORE_CAPABILITIES;
  /** `true` in `'reference'` mode: the facade then uses {@link MemoryStore.peekValue} and friends. */
  readonly referenceValues: boolean;
  /** The configured value mode. */
  readonly values: MemoryValueMode;
  /** The key prefix (informational: each instance has its own map). */
  readonly prefix: string;
  /** Most entries kept. */
  readonly maxEntries: number;
  /** Most bytes kept, `Infinity` when unbounded. */
  readonly maxBytes: number;
  /** The eviction policy. */
  readonly policy: EvictionPolicyName;

  private readonly table: EntryTable;
  /** The table's index and policy, held here too: the hit path reads them directly. */
  private readonly map: Map<string, MemoryEntry>;
  private readonly eviction: EvictionPolicy;
  private readonly sizeOf: ((value: unknown) => number) | undefined;
  /** Whether by-reference values must be sized (only with a byte bound); they are always checked. */
  private readonly measureValues: boolean;
  private readonly lifecycle = new StoreLifecycle(DRIVER);
  private readonly pruner: Pruner;
  private timer: PruneTimer | undefined;

  /**
   * @param options - see {@link MemoryStoreOptions}
   * @throws `ConfigError` for invalid or renamed options
   */
  constructor(options?: MemoryStoreOptions) {
    const resolved = resolveMemoryStoreOptions(options);
    this.prefix = resolved.prefix;
    this.values = resolved.values;
    this.referenceValues = resolved.values === 'reference';
    this.maxEntries = resolved.maxEntries;
    this.maxBytes = resolved.maxBytes;
    this.sizeOf = resolved.sizeOf;
    this.measureValues = Number.isFinite(resolved.maxBytes);
    this.policy = resolved.policy;
    const table = new EntryTable(resolved);
    this.table = table;
    this.map = table.map;
    this.eviction = table.eviction;
    const host = {
      expiring: (): number => table.expiring,
      removeEntry: (entry: MemoryEntry): void => table.remove(entry),
    };
    this.pruner = new Pruner(this.map, host, resolved.pruneLimit);
    if (resolved.pruneInterval > 0) this.timer = startPruneTimer(this.pruner, resolved.pruneInterval);
  }

  /** Entries held, including expired ones the sweep has not reached yet. */
  get size(): number {
    return this.map.size;
  }

  /**
   * Bytes counted against `maxBytes` (see the README's _Sizes_). By-reference values
   * count 0 while `maxBytes` is unbounded, since nothing is measured then.
   */
  get bytes(): number {
    return this.table.totalBytes;
  }

  // ---- by-reference interface (synchronous, the hot path) ----

  /**
   * The stored value, `MISS` when absent or expired (an expired entry is deleted), or
   * `BYTES_ENTRY` when the entry holds bytes. A hit counts as a use for the eviction
   * policy and allocates nothing.
   *
   * @throws `StoreClosedError` once {@link MemoryStore.close} was called;
   *   `InvalidKeyError` for a key `assertStoreKey` refuses
   */
  peekValue(key: string): unknown {
    this.lifecycle.assertOpen();
    const entry = this.map.get(key);
    if (entry === undefined) {
      // Only a miss can be an invalid key: every stored key was checked when written.
      assertStoreKey(key);
      this.eviction.miss();
      return MISS;
    }
    const expiresAt = entry.expiresAt;
    if (expiresAt !== 0 && expiresAt <= Date.now()) {
      this.table.remove(entry);
      this.eviction.miss();
      return MISS;
    }
    this.eviction.hit(entry);
    return entry.isBytes ? BYTES_ENTRY : entry.value;
  }

  /**
   * Stores `value` by reference (in `'copy'` mode: its JSON encoding, as bytes). In
   * reference mode the value is walked once (see the README's _Sizes_): to refuse what
   * the JSON codec could not encode and, with `maxBytes`, to estimate its size.
   *
   * @param ttl - integer ms, `0` for no expiry
   * @throws `StoreClosedError` after close; `InvalidKeyError`; `InvalidTtlError` for a
   *   negative TTL; `InvalidValueError` for a value JSON cannot encode (BigInt,
   *   cycle, a top-level function or symbol)
   */
  putValue(key: string, value: unknown, ttl: number): void {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    const expiresAt = expiryOf(ttl);
    if (this.referenceValues) this.writeValue(key, value, expiresAt, this.sizeValue(key, value));
    else this.writeBytes(key, encodeReferenceValue(value), expiresAt);
  }

  /**
   * Set-if-absent by reference: writes only when the key is absent or expired. The
   * value is checked (or encoded) first, as a networked driver encodes before it asks.
   *
   * @returns whether it wrote
   * @throws as {@link MemoryStore.putValue}
   */
  addValue(key: string, value: unknown, ttl: number): boolean {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    const expiresAt = expiryOf(ttl);
    if (this.referenceValues) {
      const size = this.sizeValue(key, value);
      if (this.table.live(key) !== undefined) return false;
      this.writeValue(key, value, expiresAt, size);
    } else {
      const bytes = encodeReferenceValue(value);
      if (this.table.live(key) !== undefined) return false;
      this.writeBytes(key, bytes, expiresAt);
    }
    return true;
  }

  // ---- byte interface ----

  /** A private copy of the stored bytes (a by-reference value reads as its JSON encoding), or `undefined`. */
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.getSync(key);
  }

  /**
   * `get`, synchronously: the facade reads a copy-mode (or custom-codec) entry through
   * it without a promise per layer. Throws what `get` rejects with.
   */
  getSync(key: string): Uint8Array | undefined {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    return this.readBytes(key);
  }

  /** Values in key order, `undefined` for each miss. */
  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.lifecycle.assertOpen();
    // Every key first: an invalid one must not leave the others marked as used.
    for (const key of keys) assertStoreKey(key);
    const result = new Array<Uint8Array | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) result[i] = this.readBytes(keys[i]!);
    return result;
  }

  /** Upsert of a private copy of `value`. */
  async set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    this.writeBytes(key, value.slice(), expiryOf(ttl));
  }

  /** Upserts every entry, in order. */
  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    this.lifecycle.assertOpen();
    // Validate every key and TTL first so that a bad entry does not leave half the batch written.
    const expiries = entries.map((entry) => {
      assertStoreKey(entry.key);
      return expiryOf(entry.ttl);
    });
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      this.writeBytes(entry.key, entry.value.slice(), expiries[i]!);
    }
  }

  /** Set-if-absent (an expired entry counts as absent); resolves whether it wrote. */
  async add(key: string, value: Uint8Array, ttl: number): Promise<boolean> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    const expiresAt = expiryOf(ttl);
    if (this.table.live(key) !== undefined) return false;
    this.writeBytes(key, value.slice(), expiresAt);
    return true;
  }

  /**
   * Adds `delta` to the integer at `key` (missing or expired: 0), stores the result as
   * ASCII decimal bytes with a fresh TTL (`0`: no expiry) and resolves it. A
   * by-reference value counts as numeric when it is a safe integer.
   *
   * @throws `NotNumericError` for a non-numeric value or a result outside the safe
   * integer range; `InvalidValueError` for a delta that is not a safe integer
   */
  async increment(key: string, delta: number, ttl: number): Promise<number> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    if (!Number.isSafeInteger(delta))
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    const expiresAt = expiryOf(ttl);
    const entry = this.table.live(key);
    let current = 0;
    if (entry !== undefined) {
      if (entry.isBytes) current = decodeCounter(key, entry.storedBytes());
      else if (typeof entry.value === 'number' && Number.isSafeInteger(entry.value)) current = entry.value;
      else throw new NotNumericError(key);
    }
    const next = addCounter(key, current, delta);
    this.writeBytes(key, encodeCounter(next), expiresAt);
    return next;
  }

  /** Idempotent delete. */
  async delete(key: string): Promise<void> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    const entry = this.map.get(key);
    if (entry !== undefined) this.table.remove(entry);
  }

  /** Idempotent batch delete. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    this.lifecycle.assertOpen();
    for (const key of keys) assertStoreKey(key);
    for (const key of keys) {
      const entry = this.map.get(key);
      if (entry !== undefined) this.table.remove(entry);
    }
  }

  /**
   * Deletes `key` only when its bytes equal `expected` (a by-reference value is
   * compared by its JSON encoding). Resolves whether it deleted.
   */
  async deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    if (isExpired(entry, Date.now())) {
      this.table.remove(entry);
      return false;
    }
    const actual = entry.isBytes ? entry.storedBytes() : encodeReferenceValue(entry.value);
    if (!bytesEqual(actual, expected)) return false;
    this.table.remove(entry);
    return true;
  }

  /** Removes every entry of this instance. */
  async flush(): Promise<void> {
    this.lifecycle.assertOpen();
    this.clear();
  }

  /**
   * Closes the store (core's `StoreLifecycle` semantics): from the call on, every
   * operation rejects (the synchronous by-reference ones throw) with
   * `StoreClosedError`; the returned promise resolves once calls in flight have
   * settled, after which the timers stop and every entry is dropped. Every call of
   * this store completes synchronously, so none is ever left in flight. Idempotent:
   * later calls return the same promise.
   */
  close(): Promise<void> {
    return this.lifecycle.close(() => {
      this.timer?.stop();
      this.timer = undefined;
      this.clear();
    });
  }

  /**
   * Runs one sweep step now and returns how many entries it removed. A step resumes
   * where the previous one stopped (after the end it starts again from the oldest
   * entry), examines at least `max(256, size / 32)` entries and keeps going while
   * most of those it meets are expired, up to `pruneLimit` entries and ~4 ms. The
   * background timer calls this; calling it yourself is useful with `pruneInterval: 0`.
   */
  prune(): number {
    if (this.lifecycle.closed) return 0;
    return this.pruner.step();
  }

  /** @deprecated Renamed {@link MemoryStore.prune}. */
  sweep(): number {
    return this.prune();
  }

  // ---- internals ----

  /** Checks a by-reference value and returns what its entry counts (see {@link sizeReferenceValue}). */
  private sizeValue(key: string, value: unknown): number {
    return sizeReferenceValue(key, value, this.measureValues ? this.maxBytes : undefined, this.sizeOf);
  }

  private readBytes(key: string): Uint8Array | undefined {
    const entry = this.table.live(key);
    if (entry === undefined) {
      this.eviction.miss();
      return undefined;
    }
    this.eviction.hit(entry);
    // encodeReferenceValue returns a fresh buffer, so only stored bytes need the copy.
    return entry.isBytes ? entry.storedBytes().slice() : encodeReferenceValue(entry.value);
  }

  /** Stores bytes the store already owns (the caller has copied them). */
  private writeBytes(key: string, bytes: Uint8Array, expiresAt: number): void {
    this.table.write(key, bytes, undefined, expiresAt, bytes.byteLength + key.length * 2);
  }

  /** Writes a by-reference value already checked and sized by {@link MemoryStore.sizeValue}. */
  private writeValue(key: string, value: unknown, expiresAt: number, size: number): void {
    this.table.write(key, undefined, value, expiresAt, size);
  }

  private clear(): void {
    this.table.clear();
    this.pruner.reset();
  }
}
