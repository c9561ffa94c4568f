import { copyBytes, encodeCounter } from '../bytes.js';
import { ConfigError } from '../errors.js';
import { StoreLifecycle } from '../store-lifecycle.js';
import {
  NO_EXPIRY,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  type StoreOperationOptions,
} from '../store.js';

/** Options of {@link MemoStore}. */
export interface MemoStoreOptions {
  /** Most memoized keys (oldest evicted first). Default 1000. */
  readonly maxEntries?: number;
  /**
   * Longest time a read is memoized, in ms. Default: no limit, which suits the
   * intended use — a short-lived scope such as one request or one job.
   * Entries written through the memo always honour their own TTL.
   */
  readonly maxAgeMs?: number;
}

interface Memo {
  /** `undefined` memoizes a miss. */
  readonly value: Uint8Array | undefined;
  /** ms since epoch; 0 = never. */
  readonly expiresAt: number;
}

/**
 * Per-process read memoization over another store: the first `get` of a key goes
 * to the inner store, later ones are answered locally until a write through this
 * wrapper changes the key. Writes by *other* processes are not seen while a key is
 * memoized, so use it for a bounded scope (a request, a batch job), or set
 * `maxAgeMs`.
 *
 * Writes go to the inner store first; the memo is dropped before and refreshed
 * after, so a failed write never leaves a memo the store doesn't hold.
 * `close()` closes the inner store.
 */
export class MemoStore implements Store {
  /** Driver name: `memo(<inner>)`. */
  readonly name: string;
  /** The inner store's capabilities. */
  readonly capabilities: StoreCapabilities;
  readonly #inner: Store;
  readonly #memo = new Map<string, Memo>();
  readonly #life = new StoreLifecycle('memo');
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  /**
   * Counts local writes. A read memoizes its result only if no write started while
   * it was in flight; otherwise it could memoize a value older than the write's.
   */
  #writes = 0;

  /**
   * @param inner - the store to memoize reads of
   * @param options - bounds
   */
  constructor(inner: Store, options: MemoStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 1000;
    const maxAgeMs = options.maxAgeMs ?? 0;
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new ConfigError('maxEntries must be a positive integer');
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0)
      throw new ConfigError('maxAgeMs must be a non-negative number');
    this.#inner = inner;
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
    this.name = `memo(${inner.name})`;
    this.capabilities = inner.capabilities;
  }

  /** Drops every memoized read (the inner store is untouched). */
  forget(): void {
    this.#memo.clear();
  }

  #lookup(key: string): Memo | undefined {
    const memo = this.#memo.get(key);
    if (memo === undefined) return undefined;
    if (memo.expiresAt !== 0 && memo.expiresAt <= Date.now()) {
      this.#memo.delete(key);
      return undefined;
    }
    return memo;
  }

  #remember(key: string, value: Uint8Array | undefined, ttl: number | undefined): void {
    const now = Date.now();
    const ttlExpiry = ttl === undefined || ttl === NO_EXPIRY ? 0 : now + ttl;
    const ageExpiry = this.#maxAgeMs === 0 ? 0 : now + this.#maxAgeMs;
    const expiresAt =
      ttlExpiry === 0 ? ageExpiry : ageExpiry === 0 ? ttlExpiry : Math.min(ttlExpiry, ageExpiry);
    this.#memo.delete(key);
    if (this.#memo.size >= this.#maxEntries) {
      const oldest = this.#memo.keys().next();
      if (oldest.done !== true) this.#memo.delete(oldest.value);
    }
    this.#memo.set(key, { value: value === undefined ? undefined : copyBytes(value), expiresAt });
  }

  /** Memoized, else the inner store's value (then memoized). */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.#life.run(() => this.#get(key, options));
  }

  async #get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    // A memoised answer is still a call: an aborted caller gets its reason, as from any store.
    options?.signal?.throwIfAborted();
    const memo = this.#lookup(key);
    if (memo !== undefined) return memo.value === undefined ? undefined : copyBytes(memo.value);
    const writes = this.#writes;
    const value = await this.#inner.get(key, options);
    if (writes === this.#writes) this.#remember(key, value, undefined);
    return value;
  }

  /** Memoized where possible; the rest in one inner `getMany`. */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.#life.run(() => this.#getMany(keys, options));
  }

  async #getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    options?.signal?.throwIfAborted();
    const result: (Uint8Array | undefined)[] = new Array(keys.length);
    const missing: string[] = [];
    const missingAt: number[] = [];
    keys.forEach((key, index) => {
      const memo = this.#lookup(key);
      if (memo === undefined) {
        missing.push(key);
        missingAt.push(index);
      } else result[index] = memo.value === undefined ? undefined : copyBytes(memo.value);
    });
    if (missing.length > 0) {
      const writes = this.#writes;
      const values = await this.#inner.getMany(missing, options);
      const memoize = writes === this.#writes;
      values.forEach((value, i) => {
        result[missingAt[i] as number] = value;
        if (memoize) this.#remember(missing[i] as string, value, undefined);
      });
    }
    return result;
  }

  /** Writes through, then memoizes. */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.#life.run(() => this.#set(key, value, ttl, options));
  }

  async #set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    this.#writes++;
    this.#memo.delete(key);
    await this.#inner.set(key, value, ttl, options);
    this.#remember(key, value, ttl);
  }

  /** Writes through, then memoizes. */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.#life.run(() => this.#setMany(entries, options));
  }

  async #setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    this.#writes++;
    for (const entry of entries) this.#memo.delete(entry.key);
    await this.#inner.setMany(entries, options);
    for (const entry of entries) this.#remember(entry.key, entry.value, entry.ttl);
  }

  /** Inner `add`; memoizes the value when it wrote. */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.#life.run(() => this.#add(key, value, ttl, options));
  }

  async #add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    this.#writes++;
    this.#memo.delete(key);
    const added = await this.#inner.add(key, value, ttl, options);
    if (added) this.#remember(key, value, ttl);
    return added;
  }

  /** Inner `increment`; memoizes the result. */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.#life.run(() => this.#increment(key, delta, ttl, options));
  }

  async #increment(
    key: string,
    delta: number,
    ttl: number,
    options?: StoreOperationOptions,
  ): Promise<number> {
    this.#writes++;
    this.#memo.delete(key);
    const next = await this.#inner.increment(key, delta, ttl, options);
    this.#remember(key, encodeCounter(next), ttl);
    return next;
  }

  /** Inner `delete`; drops the memo. */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.#life.run(() => this.#delete(key, options));
  }

  async #delete(key: string, options?: StoreOperationOptions): Promise<void> {
    this.#writes++;
    this.#memo.delete(key);
    await this.#inner.delete(key, options);
    this.#memo.delete(key);
  }

  /** Inner `deleteMany`; drops the memos. */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.#life.run(() => this.#deleteMany(keys, options));
  }

  async #deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    this.#writes++;
    for (const key of keys) this.#memo.delete(key);
    await this.#inner.deleteMany(keys, options);
    for (const key of keys) this.#memo.delete(key);
  }

  /** Inner compare-and-delete; drops the memo. */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.#life.run(() => this.#deleteIfEquals(key, expected, options));
  }

  async #deleteIfEquals(
    key: string,
    expected: Uint8Array,
    options?: StoreOperationOptions,
  ): Promise<boolean> {
    this.#writes++;
    this.#memo.delete(key);
    const deleted = await this.#inner.deleteIfEquals(key, expected, options);
    this.#memo.delete(key);
    return deleted;
  }

  /** Inner `flush`; drops every memo. */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.#life.run(() => this.#flush(options));
  }

  async #flush(options?: StoreOperationOptions): Promise<void> {
    this.#writes++;
    this.#memo.clear();
    await this.#inner.flush(options);
    this.#memo.clear();
  }

  /** Refuses new calls, waits for the ones in flight, then drops every memo and closes the inner store. */
  close(): Promise<void> {
    return this.#life.close(async () => {
      this.#memo.clear();
      await this.#inner.close();
    });
  }
}
