import {
  BYTES_ENTRY,
  ConfigError,
  InvalidTtlError,
  InvalidValueError,
  MAX_TTL_MS,
  MISS,
  NotNumericError,
  StoreClosedError,
  addCounter,
  bytesEqual,
  decodeCounter,
  encodeCounter,
  encodeReferenceValue,
} from '@cache/core';
import type { ReferenceStore, StoreCapabilities, StoreEntry } from '@cache/core';
import { LruList, MemoryEntry } from './lru-list.js';
import { type MemoryStoreOptions, type MemoryValueMode, resolveMemoryStoreOptions } from './options.js';

const DRIVER = 'memory';

/** Capabilities of every {@link MemoryStore}: per process, volatile, millisecond TTLs, no value cap. */
export const MEMORY_STORE_CAPABILITIES: StoreCapabilities = Object.freeze({
  shared: false,
  durable: false,
  ttlResolutionMs: 1,
  maxValueBytes: undefined,
});

/**
 * In-process cache store: a `Map` plus an intrusive LRU list, bounded by entries and
 * optionally by bytes, with millisecond TTLs and one background sweep timer.
 *
 * It implements both the byte-level `Store` contract and the optional by-reference
 * `ReferenceStore` interface of `@cache/core`; in `'reference'` mode (the default) the
 * `Cache` facade stores and returns your objects as they are, so a hit costs a map
 * lookup. In `'copy'` mode every value is kept as encoded bytes, as on Redis.
 *
 * Invariants (each public operation keeps them before it returns or throws):
 * - **Index and list agree.** Every entry in the map is linked in the recency list
 *   exactly once and vice versa; `size` is the map's size.
 * - **Recency.** The list runs from most to least recently used. A successful read
 *   (`get`, `getMany`, `peekValue`) and every write (including `increment`) move
 *   the entry to the front; misses, a refused `add`, `deleteIfEquals` and the sweep
 *   do not reorder anything.
 * - **Bounds.** After every write `size <= maxEntries` and the counted bytes are
 *   `<= maxBytes`: least recently used entries are evicted (expired or not) until
 *   both hold. An entry whose own size exceeds `maxBytes` is never stored, and
 *   writing one removes the key's previous value.
 * - **Expiry.** No read ever returns an expired entry (`expiresAt !== 0 &&
 *   expiresAt <= Date.now()`); a read that meets one deletes it. Expired entries
 *   nobody reads are removed by the sweep or by eviction, so they may still count
 *   towards `size` and the bounds until then.
 * - **No timers per key.** The only timer is one unref'd interval per store, which
 *   never keeps the process alive and is cleared by `close()` (or when the store is
 *   garbage collected).
 * - **Isolation of bytes.** Bytes are copied on the way in and on the way out; a
 *   caller mutating its buffer never changes the store. By-reference values are
 *   deliberately *not* copied.
 */
export class MemoryStore implements ReferenceStore {
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

  private readonly map = new Map<string, MemoryEntry>();
  private readonly lru = new LruList();
  private readonly sizeOf: ((value: unknown) => number) | undefined;
  private readonly sweepBatch: number;
  /** Whether by-reference values must be measured (only with a byte bound). */
  private readonly measureValues: boolean;
  /** Sum of `entry.size` over every entry. */
  private totalBytes = 0;
  /** Entries with a TTL; the sweep does nothing while this is 0. */
  private expiring = 0;
  private closed = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Where the next sweep tick resumes; `undefined` to start from the oldest insertion. */
  private cursor: MapIterator<MemoryEntry> | undefined;

  /**
   * @param options - see {@link MemoryStoreOptions}
   * @throws `ConfigError` for invalid options
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
    this.sweepBatch = resolved.sweepBatch;
    if (resolved.sweepIntervalMs > 0) this.timer = startSweeper(new WeakRef(this), resolved.sweepIntervalMs);
  }

  /** Entries held, including expired ones the sweep has not reached yet. */
  get size(): number {
    return this.map.size;
  }

  // ---- by-reference interface (synchronous, the hot path) ----

  /**
   * The stored value, `MISS` when absent or expired (an expired entry is deleted), or
   * `BYTES_ENTRY` when the entry holds bytes. A hit marks the entry as recently used
   * and allocates nothing.
   *
   * @throws `StoreClosedError` after {@link MemoryStore.close}
   */
  peekValue(key: string): unknown {
    if (this.closed) throw new StoreClosedError(DRIVER);
    const entry = this.map.get(key);
    if (entry === undefined) return MISS;
    const expiresAt = entry.expiresAt;
    if (expiresAt !== 0 && expiresAt <= Date.now()) {
      this.remove(entry);
      return MISS;
    }
    this.lru.moveToFront(entry);
    return entry.isBytes ? BYTES_ENTRY : entry.value;
  }

  /**
   * Stores `value` by reference (in `'copy'` mode: its JSON encoding, as bytes).
   *
   * @param ttl - integer ms, `0` for no expiry
   * @throws `StoreClosedError` after close; `InvalidTtlError` for a negative TTL
   */
  putValue(key: string, value: unknown, ttl: number): void {
    if (this.closed) throw new StoreClosedError(DRIVER);
    if (this.referenceValues) this.writeValue(key, value, expiryOf(ttl));
    else this.writeBytes(key, encodeReferenceValue(value), expiryOf(ttl));
  }

  /**
   * Set-if-absent by reference: writes only when the key is absent or expired.
   *
   * @returns whether it wrote
   */
  addValue(key: string, value: unknown, ttl: number): boolean {
    if (this.closed) throw new StoreClosedError(DRIVER);
    const expiresAt = expiryOf(ttl);
    if (this.live(key) !== undefined) return false;
    if (this.referenceValues) this.writeValue(key, value, expiresAt);
    else this.writeBytes(key, encodeReferenceValue(value), expiresAt);
    return true;
  }

  // ---- byte interface ----

  /** A private copy of the stored bytes (a by-reference value reads as its JSON encoding), or `undefined`. */
  async get(key: string): Promise<Uint8Array | undefined> {
    this.assertOpen();
    return this.readBytes(key);
  }

  /** Values in key order, `undefined` for each miss. */
  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    const result = new Array<Uint8Array | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) result[i] = this.readBytes(keys[i]!);
    return result;
  }

  /** Upsert of a private copy of `value`. */
  async set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    this.assertOpen();
    this.writeBytes(key, value.slice(), expiryOf(ttl));
  }

  /** Upserts every entry, in order. */
  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    this.assertOpen();
    // Validate every TTL first so that a bad entry does not leave half the batch written.
    const expiries = entries.map((entry) => expiryOf(entry.ttl));
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      this.writeBytes(entry.key, entry.value.slice(), expiries[i]!);
    }
  }

  /** Set-if-absent (an expired entry counts as absent); resolves whether it wrote. */
  async add(key: string, value: Uint8Array, ttl: number): Promise<boolean> {
    this.assertOpen();
    const expiresAt = expiryOf(ttl);
    if (this.live(key) !== undefined) return false;
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
    this.assertOpen();
    if (!Number.isSafeInteger(delta))
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    const expiresAt = expiryOf(ttl);
    const entry = this.live(key);
    let current = 0;
    if (entry !== undefined) {
      if (entry.isBytes) current = decodeCounter(key, entry.bytes);
      else if (typeof entry.value === 'number' && Number.isSafeInteger(entry.value)) current = entry.value;
      else throw new NotNumericError(key);
    }
    const next = addCounter(key, current, delta);
    this.writeBytes(key, encodeCounter(next), expiresAt);
    return next;
  }

  /** Idempotent delete. */
  async delete(key: string): Promise<void> {
    this.assertOpen();
    const entry = this.map.get(key);
    if (entry !== undefined) this.remove(entry);
  }

  /** Idempotent batch delete. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const key of keys) {
      const entry = this.map.get(key);
      if (entry !== undefined) this.remove(entry);
    }
  }

  /**
   * Deletes `key` only when its bytes equal `expected` (a by-reference value is
   * compared by its JSON encoding). Resolves whether it deleted.
   */
  async deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    this.assertOpen();
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    if (isExpired(entry, Date.now())) {
      this.remove(entry);
      return false;
    }
    const actual = entry.isBytes ? entry.bytes : encodeReferenceValue(entry.value);
    if (!bytesEqual(actual, expected)) return false;
    this.remove(entry);
    return true;
  }

  /** Removes every entry of this instance. */
  async flush(): Promise<void> {
    this.assertOpen();
    this.clear();
  }

  /** Stops the sweep timer and drops every entry. Idempotent; later operations reject with `StoreClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }

  /**
   * Runs one sweep step now: examines up to `sweepBatch` entries, continuing where
   * the previous step stopped (the step after the one that reaches the end starts
   * again from the oldest entry), and removes the expired ones among them. The background timer calls this; calling it yourself is only
   * useful with `sweepIntervalMs: 0`.
   *
   * @returns how many entries it removed
   */
  sweep(): number {
    if (this.closed || this.expiring === 0) return 0;
    const now = Date.now();
    // Map iterators are live: they survive deletions and see later insertions, so one
    // iterator kept across ticks walks the whole map over successive ticks.
    const cursor = this.cursor ?? this.map.values();
    this.cursor = cursor;
    let removed = 0;
    for (let examined = 0; examined < this.sweepBatch; examined++) {
      const step = cursor.next();
      if (step.done === true) {
        // End of the map: the next step starts again from the oldest insertion.
        this.cursor = undefined;
        break;
      }
      const entry = step.value;
      if (isExpired(entry, now)) {
        this.remove(entry);
        removed++;
      }
    }
    return removed;
  }

  // ---- internals ----

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(DRIVER);
  }

  /** The entry for `key` unless absent or expired (an expired entry is deleted). Does not reorder. */
  private live(key: string): MemoryEntry | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (isExpired(entry, Date.now())) {
      this.remove(entry);
      return undefined;
    }
    return entry;
  }

  private readBytes(key: string): Uint8Array | undefined {
    const entry = this.live(key);
    if (entry === undefined) return undefined;
    this.lru.moveToFront(entry);
    // encodeReferenceValue returns a fresh buffer, so only stored bytes need the copy.
    return entry.isBytes ? entry.bytes.slice() : encodeReferenceValue(entry.value);
  }

  /** Stores bytes the store already owns (the caller has copied them). */
  private writeBytes(key: string, bytes: Uint8Array, expiresAt: number): void {
    const size = bytes.byteLength + key.length * 2;
    const entry = this.slotFor(key, size);
    if (entry === undefined) return;
    entry.holdBytes(bytes, expiresAt, size);
    this.commit(entry);
  }

  private writeValue(key: string, value: unknown, expiresAt: number): void {
    const size = this.measureValues ? this.measure(key, value) : 0;
    const entry = this.slotFor(key, size);
    if (entry === undefined) return;
    entry.holdValue(value, expiresAt, size);
    this.commit(entry);
  }

  /**
   * First half of a write: the entry that will hold `key`, already in the map and the
   * list but not yet counted; the caller fills it and calls {@link MemoryStore.commit}.
   * That is the existing entry (its old size and expiry uncounted), or a new one. When
   * the store is full, the least recently used entry is evicted first and its object
   * reused, so steady-state churn allocates nothing.
   *
   * Returns `undefined` for an entry that alone exceeds `maxBytes`: it is not stored,
   * and the key's old value is removed so that no read sees data older than the write.
   */
  private slotFor(key: string, size: number): MemoryEntry | undefined {
    const existing = this.map.get(key);
    if (size > this.maxBytes) {
      if (existing !== undefined) this.remove(existing);
      return undefined;
    }
    if (existing !== undefined) {
      this.totalBytes -= existing.size;
      if (existing.expiresAt !== 0) this.expiring--;
      return existing;
    }
    let entry: MemoryEntry;
    if (this.map.size >= this.maxEntries) {
      entry = this.lru.last()!;
      this.remove(entry);
      entry.key = key;
    } else {
      entry = new MemoryEntry(key);
    }
    this.map.set(key, entry);
    this.lru.pushFront(entry);
    return entry;
  }

  /** Second half of a write: counts the filled entry, marks it most recently used, enforces `maxBytes`. */
  private commit(entry: MemoryEntry): void {
    this.totalBytes += entry.size;
    if (entry.expiresAt !== 0) this.expiring++;
    this.lru.moveToFront(entry);
    if (this.totalBytes > this.maxBytes) this.evict();
  }

  /** Evicts least recently used entries until both bounds hold. The newest entry always fits. */
  private evict(): void {
    while (this.map.size > this.maxEntries || this.totalBytes > this.maxBytes) {
      const victim = this.lru.last();
      if (victim === undefined) return;
      this.remove(victim);
    }
  }

  private remove(entry: MemoryEntry): void {
    this.map.delete(entry.key);
    this.lru.unlink(entry);
    this.totalBytes -= entry.size;
    if (entry.expiresAt !== 0) this.expiring--;
    // Drop the references so an entry still held by a sweep cursor retains nothing large.
    entry.holdValue(undefined, 0, 0);
  }

  private clear(): void {
    this.map.clear();
    this.lru.clear();
    this.totalBytes = 0;
    this.expiring = 0;
    this.cursor = undefined;
  }

  private measure(key: string, value: unknown): number {
    const keyBytes = key.length * 2;
    if (this.sizeOf !== undefined) {
      const size = this.sizeOf(value);
      if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) {
        throw new ConfigError(
          `MemoryStore sizeOf must return a non-negative finite number, got ${String(size)}`,
        );
      }
      return keyBytes + size;
    }
    return keyBytes + jsonLength(value);
  }
}

/** Converts a store TTL to an absolute expiry (`0` stays "never"). */
function expiryOf(ttl: number): number {
  if (ttl === 0) return 0;
  if (ttl > 0 && ttl <= MAX_TTL_MS) return Date.now() + ttl;
  throw new InvalidTtlError(`store TTL must be 0 or a positive number of ms up to ${MAX_TTL_MS}, got ${ttl}`);
}

function isExpired(entry: MemoryEntry, now: number): boolean {
  return entry.expiresAt !== 0 && entry.expiresAt <= now;
}

/**
 * Estimated size of a by-reference value: the length of its JSON text (UTF-16 code
 * units, close to UTF-8 bytes for mostly-ASCII data). A value JSON cannot encode
 * counts as 0 here; reading it through the byte interface fails anyway.
 */
function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Starts the sweep interval. It holds the store only weakly, so a store dropped
 * without `close()` can still be garbage collected; the interval then stops itself.
 */
function startSweeper(ref: WeakRef<MemoryStore>, intervalMs: number): ReturnType<typeof setInterval> {
  const timer = setInterval(() => {
    const store = ref.deref();
    if (store === undefined) clearInterval(timer);
    else store.sweep();
  }, intervalMs);
  timer.unref();
  return timer;
}
