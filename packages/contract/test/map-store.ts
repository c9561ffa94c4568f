import {
  NO_EXPIRY,
  StoreLifecycle,
  addCounter,
  assertStoreKey,
  bytesEqual,
  copyBytes,
  decodeCounter,
  encodeCounter,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  type StoreOperationOptions,
} from '@cache/core';

export interface MapEntry {
  readonly value: Uint8Array;
  /** ms since epoch, or `Infinity` for NO_EXPIRY. */
  readonly expiresAt: number;
}

/**
 * The "server" several {@link MapStore}s share: one map of entries per prefix,
 * so stores on different prefixes are isolated exactly like on a real backend,
 * and stores on the same prefix see each other's writes.
 */
export class MapBackend {
  private readonly prefixes = new Map<string, Map<string, MapEntry>>();

  /** The entries of `prefix`, created on first use. */
  scope(prefix: string): Map<string, MapEntry> {
    let entries = this.prefixes.get(prefix);
    if (entries === undefined) {
      entries = new Map();
      this.prefixes.set(prefix, entries);
    }
    return entries;
  }

  /** Empties every prefix (what a broken, unscoped flush does). */
  clearAll(): void {
    this.clearWhere(() => true);
  }

  /** Empties every prefix `predicate` accepts (what a badly scoped flush does). */
  clearWhere(predicate: (prefix: string) => boolean): void {
    for (const [prefix, entries] of this.prefixes) if (predicate(prefix)) entries.clear();
  }

  /** Number of live entries under `prefix` (for tests of the tests). */
  size(prefix: string): number {
    return this.prefixes.get(prefix)?.size ?? 0;
  }
}

/** Options of {@link MapStore}. */
export interface MapStoreOptions {
  readonly prefix?: string;
  readonly backend?: MapBackend;
  readonly capabilities?: Partial<StoreCapabilities>;
}

/**
 * A deliberately simple, correct byte-level Store over a {@link MapBackend}: the
 * reference the contract suite is developed against. Lazy expiry on read (like
 * a backend that sweeps late), copies on the way in and out.
 */
export class MapStore implements Store {
  readonly name = 'map';
  readonly capabilities: StoreCapabilities;
  protected readonly backend: MapBackend;
  protected readonly prefix: string;
  protected readonly entries: Map<string, MapEntry>;
  protected readonly lifecycle = new StoreLifecycle('map');

  constructor(options: MapStoreOptions = {}) {
    this.backend = options.backend ?? new MapBackend();
    this.prefix = options.prefix ?? 'app';
    this.entries = this.backend.scope(this.prefix);
    this.capabilities = { shared: true, durable: false, ttlResolutionMs: 1, ...options.capabilities };
  }

  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.op(
      [key],
      async () => {
        const entry = this.live(key);
        return entry && copyBytes(entry.value);
      },
      options,
    );
  }

  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.op(
      keys,
      async () => {
        return keys.map((key) => {
          const entry = this.live(key);
          return entry && copyBytes(entry.value);
        });
      },
      options,
    );
  }

  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.op(
      [key],
      async () => {
        this.write(key, value, ttl);
      },
      options,
    );
  }

  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.op(
      entries.map((entry) => entry.key),
      async () => {
        for (const entry of entries) this.write(entry.key, entry.value, entry.ttl);
      },
      options,
    );
  }

  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.op(
      [key],
      async () => {
        if (this.live(key) !== undefined) return false;
        this.write(key, value, ttl);
        return true;
      },
      options,
    );
  }

  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.op(
      [key],
      async () => {
        const entry = this.live(key);
        const current = entry === undefined ? 0 : decodeCounter(key, entry.value);
        const next = addCounter(key, current, delta);
        this.write(key, encodeCounter(next), ttl);
        return next;
      },
      options,
    );
  }

  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.op(
      [key],
      async () => {
        this.entries.delete(key);
      },
      options,
    );
  }

  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.op(
      keys,
      async () => {
        for (const key of keys) this.entries.delete(key);
      },
      options,
    );
  }

  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.op(
      [key],
      async () => {
        const entry = this.live(key);
        if (entry === undefined || !bytesEqual(entry.value, expected)) return false;
        this.entries.delete(key);
        return true;
      },
      options,
    );
  }

  flush(options?: StoreOperationOptions): Promise<void> {
    return this.op(
      [],
      async () => {
        this.entries.clear();
      },
      options,
    );
  }

  close(): Promise<void> {
    return this.lifecycle.close(() => undefined);
  }

  /**
   * Checks the keys, refuses work after close, and yields once before running
   * `body`, like a network round trip would.
   */
  /** Yields once and refuses work after close (for subclasses that override a method). */
  protected async tick(): Promise<void> {
    this.lifecycle.assertOpen();
    await Promise.resolve();
  }

  protected op<T>(
    keys: readonly string[],
    body: () => T | Promise<T>,
    options?: StoreOperationOptions,
  ): Promise<T> {
    return this.lifecycle.run(async () => {
      for (const key of keys) assertStoreKey(key);
      options?.signal?.throwIfAborted();
      await Promise.resolve();
      return body();
    });
  }

  protected live(key: string): MapEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  protected write(key: string, value: Uint8Array, ttl: number): void {
    this.entries.set(key, {
      value: copyBytes(value),
      expiresAt: ttl === NO_EXPIRY ? Number.POSITIVE_INFINITY : Date.now() + ttl,
    });
  }
}
