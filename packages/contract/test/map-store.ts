import {
  NO_EXPIRY,
  StoreClosedError,
  addCounter,
  bytesEqual,
  copyBytes,
  decodeCounter,
  encodeCounter,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
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
  protected closed = false;

  constructor(options: MapStoreOptions = {}) {
    this.backend = options.backend ?? new MapBackend();
    this.prefix = options.prefix ?? 'app';
    this.entries = this.backend.scope(this.prefix);
    this.capabilities = { shared: true, durable: false, ttlResolutionMs: 1, ...options.capabilities };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.tick();
    const entry = this.live(key);
    return entry && copyBytes(entry.value);
  }

  async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    await this.tick();
    return keys.map((key) => {
      const entry = this.live(key);
      return entry && copyBytes(entry.value);
    });
  }

  async set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    await this.tick();
    this.write(key, value, ttl);
  }

  async setMany(entries: readonly StoreEntry[]): Promise<void> {
    await this.tick();
    for (const entry of entries) this.write(entry.key, entry.value, entry.ttl);
  }

  async add(key: string, value: Uint8Array, ttl: number): Promise<boolean> {
    await this.tick();
    if (this.live(key) !== undefined) return false;
    this.write(key, value, ttl);
    return true;
  }

  async increment(key: string, delta: number, ttl: number): Promise<number> {
    await this.tick();
    const entry = this.live(key);
    const current = entry === undefined ? 0 : decodeCounter(key, entry.value);
    const next = addCounter(key, current, delta);
    this.write(key, encodeCounter(next), ttl);
    return next;
  }

  async delete(key: string): Promise<void> {
    await this.tick();
    this.entries.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    await this.tick();
    for (const key of keys) this.entries.delete(key);
  }

  async deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    await this.tick();
    const entry = this.live(key);
    if (entry === undefined || !bytesEqual(entry.value, expected)) return false;
    this.entries.delete(key);
    return true;
  }

  async flush(): Promise<void> {
    await this.tick();
    this.entries.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Yields once, like a network round trip would, and refuses work after close. */
  protected async tick(): Promise<void> {
    if (this.closed) throw new StoreClosedError(this.name);
    await Promise.resolve();
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
