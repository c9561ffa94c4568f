import {
  NO_EXPIRY,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  addCounter,
  bytesEqual,
  copyBytes,
  decodeCounter,
  encodeCounter,
} from '@cache/core';
import { type MapBackend, type MapEntry, MapStore } from './map-store.js';

/**
 * Stores with one classic driver bug each, to prove that the contract checks
 * can fail. Each is a {@link MapStore} with one method gone wrong.
 */

/** Keeps the caller's buffer and hands out its own: no copies at all. */
export class AliasingStore extends MapStore {
  override async set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    await this.tick();
    this.entries.set(key, {
      value,
      expiresAt: ttl === NO_EXPIRY ? Number.POSITIVE_INFINITY : Date.now() + ttl,
    });
  }
  override async get(key: string): Promise<Uint8Array | undefined> {
    await this.tick();
    return this.live(key)?.value;
  }
}

/** Ignores every TTL. */
export class ImmortalStore extends MapStore {
  protected override write(key: string, value: Uint8Array): void {
    super.write(key, value, NO_EXPIRY);
  }
}

/** Expires entries at half their TTL. */
export class EarlyExpiryStore extends MapStore {
  protected override write(key: string, value: Uint8Array, ttl: number): void {
    super.write(key, value, ttl === NO_EXPIRY ? ttl : Math.max(1, Math.floor(ttl / 2)));
  }
}

/** An upsert that keeps the old expiry of an existing row. */
export class KeepsOldTtlStore extends MapStore {
  override async set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    await this.tick();
    const existing = this.live(key);
    if (existing === undefined) this.write(key, value, ttl);
    else this.entries.set(key, { value: copyBytes(value), expiresAt: existing.expiresAt });
  }
}

/** Check-then-act `add` with a round trip in between. */
export class RacyAddStore extends MapStore {
  override async add(key: string, value: Uint8Array, ttl: number): Promise<boolean> {
    await this.tick();
    const present = this.live(key) !== undefined;
    await new Promise((resolve) => setImmediate(resolve));
    if (present) return false;
    this.write(key, value, ttl);
    return true;
  }
}

/** Read-modify-write `increment` with a round trip in between. */
export class RacyIncrementStore extends MapStore {
  override async increment(key: string, delta: number, ttl: number): Promise<number> {
    await this.tick();
    const entry = this.live(key);
    const current = entry === undefined ? 0 : decodeCounter(key, entry.value);
    await new Promise((resolve) => setImmediate(resolve));
    const next = addCounter(key, current, delta);
    this.write(key, encodeCounter(next), ttl);
    return next;
  }
}

/**
 * Expires lazily like a SQL table (a read filters, nothing deletes), but only
 * `get` filters: `add` and `getMany` see the expired row.
 */
export class LazyExpiryLeakStore extends MapStore {
  protected override live(key: string): MapEntry | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && entry.expiresAt > Date.now() ? entry : undefined;
  }
  override async add(key: string, value: Uint8Array, ttl: number): Promise<boolean> {
    await this.tick();
    if (this.entries.has(key)) return false;
    this.write(key, value, ttl);
    return true;
  }
  override async getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    await this.tick();
    return keys.map((key) => {
      const entry = this.entries.get(key);
      return entry && copyBytes(entry.value);
    });
  }
}

/** `flush` empties the whole backend, every prefix. */
export class GlobalFlushStore extends MapStore {
  override async flush(): Promise<void> {
    await this.tick();
    this.backend.clearAll();
  }
}

/** `flush` as `SCAN MATCH prefix*` / `LIKE 'prefix%'` without a separator: eats longer prefixes. */
export class PrefixScanFlushStore extends MapStore {
  override async flush(): Promise<void> {
    await this.tick();
    this.backend.clearWhere((prefix) => prefix.startsWith(this.prefix));
  }
}

/** `flush` as `LIKE 'prefix%'` with `_` left unescaped: a wildcard for one character. */
export class UnescapedLikeFlushStore extends MapStore {
  override async flush(): Promise<void> {
    await this.tick();
    const pattern = new RegExp(`^${this.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/_/g, '.')}$`);
    this.backend.clearWhere((prefix) => pattern.test(prefix));
  }
}

/** Compares only as many bytes as the caller passed. */
export class PrefixCompareStore extends MapStore {
  override async deleteIfEquals(key: string, expected: Uint8Array): Promise<boolean> {
    await this.tick();
    const entry = this.live(key);
    if (entry === undefined || !bytesEqual(entry.value.subarray(0, expected.byteLength), expected))
      return false;
    this.entries.delete(key);
    return true;
  }
}

/** Reads an empty value as a miss. */
export class EmptyIsMissStore extends MapStore {
  override async get(key: string): Promise<Uint8Array | undefined> {
    const value = await super.get(key);
    return value?.byteLength === 0 ? undefined : value;
  }
}

/** Folds keys to lower case (a case-insensitive collation). */
export class CaseFoldingStore extends MapStore {
  override get(key: string): Promise<Uint8Array | undefined> {
    return super.get(key.toLowerCase());
  }
  override getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return super.getMany(keys.map((k) => k.toLowerCase()));
  }
  override set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    return super.set(key.toLowerCase(), value, ttl);
  }
  override delete(key: string): Promise<void> {
    return super.delete(key.toLowerCase());
  }
}

/** Cuts keys to 250 characters (memcached's limit) instead of hashing them. */
export class TruncatingKeyStore extends MapStore {
  override get(key: string): Promise<Uint8Array | undefined> {
    return super.get(key.slice(0, 250));
  }
  override set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    return super.set(key.slice(0, 250), value, ttl);
  }
}

/** Returns one value per distinct key. */
export class DedupingGetManyStore extends MapStore {
  override getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return super.getMany([...new Set(keys)]);
  }
}

/** The first of duplicate batch entries wins. */
export class FirstWinsSetManyStore extends MapStore {
  override async setMany(entries: readonly StoreEntry[]): Promise<void> {
    const seen = new Set<string>();
    await super.setMany(
      entries.filter((entry) => {
        if (seen.has(entry.key)) return false;
        seen.add(entry.key);
        return true;
      }),
    );
  }
}

/** Treats a non-numeric value as 0 instead of failing. */
export class LenientIncrementStore extends MapStore {
  override async increment(key: string, delta: number, ttl: number): Promise<number> {
    await this.tick();
    const entry = this.live(key);
    let current = 0;
    try {
      current = entry === undefined ? 0 : decodeCounter(key, entry.value);
    } catch {
      current = 0;
    }
    this.write(key, encodeCounter(current + delta), ttl);
    return current + delta;
  }
}

/** Sets the TTL only when it creates the counter (Redis INCRBY without PEXPIRE). */
export class IncrementKeepsTtlStore extends MapStore {
  override async increment(key: string, delta: number, ttl: number): Promise<number> {
    await this.tick();
    const entry = this.live(key);
    const next = (entry === undefined ? 0 : decodeCounter(key, entry.value)) + delta;
    if (entry === undefined) this.write(key, encodeCounter(next), ttl);
    else this.entries.set(key, { value: encodeCounter(next), expiresAt: entry.expiresAt });
    return next;
  }
}

/** Floors counters at 0 (memcached `decr`). */
export class UnsignedIncrementStore extends MapStore {
  override async increment(key: string, delta: number, ttl: number): Promise<number> {
    await this.tick();
    const entry = this.live(key);
    const next = Math.max(0, (entry === undefined ? 0 : decodeCounter(key, entry.value)) + delta);
    this.write(key, encodeCounter(next), ttl);
    return next;
  }
}

/** Throws on a second close. */
export class DoubleCloseThrowsStore extends MapStore {
  override async close(): Promise<void> {
    if (this.lifecycle.closed) throw new Error('already closed');
    await super.close();
  }
}

/** Writes only the first 100 entries of a batch (one DynamoDB-sized chunk). */
export class SingleChunkStore extends MapStore {
  override setMany(entries: readonly StoreEntry[]): Promise<void> {
    return super.setMany(entries.slice(0, 100));
  }
}

/** Silently truncates values to 256 KiB. */
export class TruncatingValueStore extends MapStore {
  override set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    return super.set(key, value.subarray(0, 256 * 1024), ttl);
  }
}

/** Treats values as C strings: everything from the first NUL byte is lost. */
export class NulTruncatingStore extends MapStore {
  override set(key: string, value: Uint8Array, ttl: number): Promise<void> {
    const nul = value.indexOf(0);
    return super.set(key, nul === -1 ? value : value.subarray(0, nul), ttl);
  }
}

/** `deleteIfEquals` that deletes whatever is stored (a release that is not owner-safe). */
export class BlindDeleteStore extends MapStore {
  override async deleteIfEquals(key: string): Promise<boolean> {
    const present = (await this.get(key)) !== undefined;
    await this.delete(key);
    return present;
  }
}

/** A store class with the constructor shape of {@link MapStore}. */
export type MapStoreClass = new (options: {
  prefix?: string;
  backend?: MapBackend;
  capabilities?: Partial<StoreCapabilities>;
}) => Store;
