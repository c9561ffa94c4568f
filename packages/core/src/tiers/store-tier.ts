import type { DecodedEntry, EntryCodec } from '../entry/entry-codec.js';
import { type EntryLifetime, isFreshAt } from '../entry/lifetime.js';
import { peekBytes, peekHit, SLOW } from '../facade/fast-path.js';
import { tracing } from '../observability/channels.js';
import type { CacheHealth } from '../facade/options.js';
import {
  BYTES_ENTRY,
  MISS,
  type ReferenceStore,
  type Store,
  type StoreEntry,
  type SyncReadStore,
} from '../store.js';
import type { StatsCounters } from '../observability/stats.js';
import type { TagVersions } from '../tags/tag-versions.js';
import { type CheckedEntry, checkDecoded, checkVersions } from '../tags/version-check.js';
import {
  entryOfReference,
  freshValue,
  pause,
  probeStore,
  RESOLVED_UNDEFINED,
  RESOLVED_VOID,
  referenceOf,
  storeOptions,
  type Tiers,
  type TierWrite,
} from './tiers.js';

/**
 * The single tier: entries live in the store, by reference when the store allows
 * it and no shaping is configured, as framed bytes otherwise. Each method adds at
 * most one promise reaction over the store call.
 */
export class StoreTier implements Tiers {
  /** The store (L2). */
  readonly store: Store;
  /** The store's by-reference interface, when values are kept by reference. */
  readonly ref: ReferenceStore | undefined;
  /** The versions tagged and namespaced entries are checked against. */
  readonly versions: TagVersions;
  readonly peekTier = 'l2';
  readonly #entries: EntryCodec;
  /** The store's synchronous read, for {@link StoreTier.peek}. */
  readonly #syncRead: SyncReadStore | undefined;
  /** Counts a `readFresh`/`readRaw` result as a hit or a miss (not inside the hybrid tier: it counts itself). */
  readonly #counted: (value: unknown) => unknown;

  /**
   * @param store - where bytes live
   * @param entries - the value ⇄ bytes codec with shaping
   * @param ref - the by-reference interface to use, if any
   * @param versions - tag and namespace versions
   * @param stats - where reads are counted (the top tier only)
   * @param syncRead - the store's synchronous read (the store itself, not its instrumented view), if it has one
   */
  constructor(
    store: Store,
    entries: EntryCodec,
    ref: ReferenceStore | undefined,
    versions: TagVersions,
    stats?: StatsCounters,
    syncRead?: SyncReadStore,
  ) {
    this.store = store;
    this.#syncRead = syncRead;
    this.#entries = entries;
    this.ref = ref;
    this.versions = versions;
    this.#counted =
      stats === undefined
        ? (value) => value
        : (value) => {
            if (value === undefined) stats.misses++;
            else stats.hit('l2');
            return value;
          };
  }

  /**
   * What the by-reference interface holds for `key`: the entry, `undefined` for a
   * miss, or `BYTES_ENTRY` when the byte interface must be read. Throws when the
   * store does (closed).
   */
  #held(key: string): DecodedEntry | undefined | typeof BYTES_ENTRY {
    const ref = this.ref;
    if (ref === undefined) return BYTES_ENTRY;
    const value = ref.peekValue(key);
    if (value === MISS) return undefined;
    return value === BYTES_ENTRY ? BYTES_ENTRY : entryOfReference(value);
  }

  /** `bytes` read for `key`, decoded and checked against their versions. */
  #decoded(key: string, bytes: Uint8Array | undefined, raw: boolean): CheckedEntry | Promise<CheckedEntry> {
    return bytes === undefined
      ? undefined
      : checkDecoded(this.#entries.decode(key, bytes, raw), this.versions);
  }

  /** The entry at `key` (fresh or not), or `undefined`. */
  read(key: string, signal: AbortSignal | undefined): Promise<DecodedEntry | undefined> {
    let held: CheckedEntry | Promise<CheckedEntry> | typeof BYTES_ENTRY;
    try {
      held = this.#held(key);
      if (held !== undefined && held !== BYTES_ENTRY) held = checkVersions(held, this.versions);
    } catch (error) {
      return Promise.reject(error);
    }
    if (held !== BYTES_ENTRY) return held === undefined ? RESOLVED_UNDEFINED : Promise.resolve(held);
    return this.store.get(key, storeOptions(signal)).then((bytes) => this.#decoded(key, bytes, false));
  }

  /**
   * The value at `key` when fresh, else `undefined`: `get`'s path, one promise
   * reaction over the store call (decode is synchronous unless a large body inflates).
   */
  readFresh(key: string, signal: AbortSignal | undefined): Promise<unknown> {
    let held: CheckedEntry | Promise<CheckedEntry> | typeof BYTES_ENTRY;
    try {
      held = this.#held(key);
      if (held !== undefined && held !== BYTES_ENTRY) held = checkVersions(held, this.versions);
    } catch (error) {
      return Promise.reject(error);
    }
    const counted = this.#counted;
    if (held !== BYTES_ENTRY) {
      if (held === undefined) {
        counted(undefined);
        return RESOLVED_UNDEFINED;
      }
      return held instanceof Promise
        ? held.then(freshOrMiss).then(counted)
        : Promise.resolve(counted(freshValue(held)));
    }
    return this.store.get(key, storeOptions(signal)).then((bytes) => {
      if (bytes === undefined) return counted(undefined);
      const entry = this.#decoded(key, bytes, false);
      return entry instanceof Promise ? entry.then(freshOrMiss).then(counted) : counted(freshOrMiss(entry));
    });
  }

  /** Entries for `keys`, in order; one store round trip for those not held by reference. */
  async readMany(
    keys: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<(DecodedEntry | undefined)[]> {
    const result: (DecodedEntry | undefined)[] = new Array(keys.length);
    const ref = this.ref;
    const pending: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const value = ref === undefined ? BYTES_ENTRY : ref.peekValue(keys[i] as string);
      if (value === MISS) result[i] = undefined;
      else if (value === BYTES_ENTRY) pending.push(i);
      else {
        const entry = checkVersions(entryOfReference(value), this.versions);
        result[i] = entry instanceof Promise ? await entry : entry;
      }
    }
    if (pending.length === 0) return result;
    const pendingKeys = pending.map((i) => keys[i] as string);
    const values = await this.store.getMany(pendingKeys, storeOptions(signal));
    for (let j = 0; j < pending.length; j++) {
      let entry = this.#decoded(pendingKeys[j] as string, values[j], false);
      if (entry instanceof Promise) entry = await entry;
      result[pending[j] as number] = entry;
    }
    return result;
  }

  /** Writes `value` at `key` with `lifetime`. */
  write(
    key: string,
    value: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const ref = this.ref;
    let bytes: Uint8Array | Promise<Uint8Array>;
    try {
      if (ref !== undefined) {
        ref.putValue(key, referenceOf(value, lifetime), lifetime.storeTtl);
        return RESOLVED_VOID;
      }
      bytes = this.#entries.encode(key, value, false, lifetime);
    } catch (error) {
      return Promise.reject(error);
    }
    const options = storeOptions(signal);
    return bytes instanceof Promise
      ? bytes.then((b) => this.store.set(key, b, lifetime.storeTtl, options))
      : this.store.set(key, bytes, lifetime.storeTtl, options);
  }

  /** Writes several entries; every one is encoded before the store is called (one batch). */
  async writeMany(writes: readonly TierWrite[], signal: AbortSignal | undefined): Promise<void> {
    const ref = this.ref;
    if (ref !== undefined) {
      for (const w of writes) ref.putValue(w.key, referenceOf(w.value, w.lifetime), w.lifetime.storeTtl);
      return;
    }
    const encoded: StoreEntry[] = [];
    for (const w of writes) {
      encoded.push({
        key: w.key,
        value: await this.#entries.encode(w.key, w.value, false, w.lifetime),
        ttl: w.lifetime.storeTtl,
      });
    }
    if (encoded.length > 0) await this.store.setMany(encoded, storeOptions(signal));
  }

  /**
   * Set-if-absent. An entry that is there but reads as a miss (stale, or
   * invalidated by its versions) is replaced: removed only if it is still the same
   * (compare-and-delete), then added — so of two concurrent `add`s one wins.
   */
  async add(
    key: string,
    value: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const ref = this.ref;
    if (ref !== undefined) {
      const stored = referenceOf(value, lifetime);
      if (ref.addValue(key, stored, lifetime.storeTtl)) return true;
      const slot = ref.peekValue(key);
      if (slot === MISS) return ref.addValue(key, stored, lifetime.storeTtl);
      if (slot === BYTES_ENTRY) return false;
      const checked = checkVersions(entryOfReference(slot), this.versions);
      const current = checked instanceof Promise ? await checked : checked;
      if (current !== undefined && freshValue(current) !== undefined) return false;
      // Replaced only if unchanged while a version was fetched (one process: no await after this).
      if (ref.peekValue(key) !== slot) return false;
      ref.putValue(key, stored, lifetime.storeTtl);
      return true;
    }
    const options = storeOptions(signal);
    const bytes = await this.#entries.encode(key, value, false, lifetime);
    if (await this.store.add(key, bytes, lifetime.storeTtl, options)) return true;
    const existing = await this.store.get(key, options);
    if (existing === undefined) return this.store.add(key, bytes, lifetime.storeTtl, options);
    const current = await this.#decoded(key, existing, false);
    if (current !== undefined && freshValue(current) !== undefined) return false;
    if (!(await this.store.deleteIfEquals(key, existing, options))) return false;
    return this.store.add(key, bytes, lifetime.storeTtl, options);
  }

  /** The raw bytes at `key` when fresh (shaping undone, no codec). */
  async readRaw(key: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const bytes = await this.store.get(key, storeOptions(signal));
    const entry = await this.#decoded(key, bytes, true);
    const value =
      entry !== undefined && isFreshAt(entry.softExpiresAt, Date.now())
        ? (entry.value as Uint8Array)
        : undefined;
    return this.#counted(value) as Uint8Array | undefined;
  }

  /** Writes raw bytes at `key` (shaping applies, no codec). */
  async writeRaw(
    key: string,
    value: Uint8Array,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    // Only versions need the envelope: plain raw bytes stay bare (readable with the backend's tools).
    const bytes = await this.#entries.encode(
      key,
      value,
      true,
      lifetime.versions === undefined ? undefined : lifetime,
    );
    await this.store.set(key, bytes, lifetime.storeTtl, storeOptions(signal));
  }

  /** Adds `delta` to the counter at `key`. */
  increment(key: string, delta: number, ttl: number, signal: AbortSignal | undefined): Promise<number> {
    return this.store.increment(key, delta, ttl, storeOptions(signal));
  }

  /**
   * A hit answered synchronously (see {@link Tiers.peek}): from the by-reference
   * interface, or from a synchronous byte read while nobody traces store calls (it
   * is one, and `cache:store` subscribers see every store call).
   */
  peek(key: string, eagerRefresh: number, ttlMs: () => number): unknown {
    if (this.ref !== undefined) return peekHit(this.ref, key, eagerRefresh, ttlMs, this.versions);
    const sync = this.#syncRead;
    if (sync === undefined || tracing.store.hasSubscribers) return SLOW;
    return peekBytes(sync, this.#entries, key, eagerRefresh, ttlMs, this.versions);
  }

  /** Reachability of the store. */
  async health(timeoutMs: number): Promise<CacheHealth> {
    return { store: await probeStore(this.store, timeoutMs), circuit: 'none', bus: 'none' };
  }

  /** Without a bus nothing announces changes: waiters poll. */
  watch(_key: string, timeoutMs: number): Promise<void> {
    return pause(timeoutMs);
  }

  /** Closes the store. */
  close(): Promise<void> {
    return this.store.close();
  }

  /** Deletes `key`. */
  delete(key: string, signal: AbortSignal | undefined): Promise<void> {
    return this.store.delete(key, storeOptions(signal));
  }

  /** Deletes `keys`. */
  deleteMany(keys: readonly string[], signal: AbortSignal | undefined): Promise<void> {
    return keys.length === 0 ? RESOLVED_VOID : this.store.deleteMany(keys, storeOptions(signal));
  }

  /** Removes every entry of the store's prefix, tag versions included. */
  async flush(signal: AbortSignal | undefined): Promise<void> {
    await this.store.flush(storeOptions(signal));
    this.versions.forgetAll();
  }

  /** Bumps versions (no bus: other processes re-read them within `tagCheckInterval`). */
  bumpVersions(names: readonly string[], step: number, signal: AbortSignal | undefined): Promise<void> {
    return this.versions.bump(names, step, storeOptions(signal));
  }
}

/** A checked entry's value when fresh, else `undefined`. */
function freshOrMiss(entry: CheckedEntry): unknown {
  return entry === undefined ? undefined : freshValue(entry);
}
