import type { DecodedEntry, EntryCodec } from '../entry/entry-codec.js';
import { type EntryLifetime, isFreshAt } from '../entry/lifetime.js';
import { peekHit, SLOW } from '../facade/fast-path.js';
import type { CacheHealth } from '../facade/options.js';
import { BYTES_ENTRY, MISS, type ReferenceStore, type Store, type StoreEntry } from '../store.js';
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
  readonly #entries: EntryCodec;

  /**
   * @param store - where bytes live
   * @param entries - the value ⇄ bytes codec with shaping
   * @param ref - the by-reference interface to use, if any
   */
  constructor(store: Store, entries: EntryCodec, ref: ReferenceStore | undefined) {
    this.store = store;
    this.#entries = entries;
    this.ref = ref;
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

  /** The entry at `key` (fresh or not), or `undefined`. */
  read(key: string, signal: AbortSignal | undefined): Promise<DecodedEntry | undefined> {
    let held: DecodedEntry | undefined | typeof BYTES_ENTRY;
    try {
      held = this.#held(key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (held !== BYTES_ENTRY) return held === undefined ? RESOLVED_UNDEFINED : Promise.resolve(held);
    return this.store
      .get(key, storeOptions(signal))
      .then((bytes) => (bytes === undefined ? undefined : this.#entries.decode(key, bytes, false)));
  }

  /**
   * The value at `key` when fresh, else `undefined`: `get`'s path, one promise
   * reaction over the store call (decode is synchronous unless a large body inflates).
   */
  readFresh(key: string, signal: AbortSignal | undefined): Promise<unknown> {
    let held: DecodedEntry | undefined | typeof BYTES_ENTRY;
    try {
      held = this.#held(key);
    } catch (error) {
      return Promise.reject(error);
    }
    if (held !== BYTES_ENTRY)
      return held === undefined ? RESOLVED_UNDEFINED : Promise.resolve(freshValue(held));
    return this.store.get(key, storeOptions(signal)).then((bytes) => {
      if (bytes === undefined) return undefined;
      const entry = this.#entries.decode(key, bytes, false);
      return entry instanceof Promise ? entry.then(freshValue) : freshValue(entry);
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
      else result[i] = entryOfReference(value);
    }
    if (pending.length === 0) return result;
    const pendingKeys = pending.map((i) => keys[i] as string);
    const values = await this.store.getMany(pendingKeys, storeOptions(signal));
    for (let j = 0; j < pending.length; j++) {
      const bytes = values[j];
      let entry =
        bytes === undefined ? undefined : this.#entries.decode(pendingKeys[j] as string, bytes, false);
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

  /** Set-if-absent of a plain entry. */
  async add(key: string, value: unknown, ttl: number, signal: AbortSignal | undefined): Promise<boolean> {
    const ref = this.ref;
    if (ref !== undefined) return ref.addValue(key, value, ttl);
    const bytes = await this.#entries.encode(key, value, false);
    return this.store.add(key, bytes, ttl, storeOptions(signal));
  }

  /** The raw bytes at `key` when fresh (shaping undone, no codec). */
  async readRaw(key: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const bytes = await this.store.get(key, storeOptions(signal));
    if (bytes === undefined) return undefined;
    const decoded = this.#entries.decode(key, bytes, true);
    const entry = decoded instanceof Promise ? await decoded : decoded;
    return isFreshAt(entry.softExpiresAt, Date.now()) ? (entry.value as Uint8Array) : undefined;
  }

  /** Writes raw bytes at `key` (shaping applies, no codec). */
  async writeRaw(
    key: string,
    value: Uint8Array,
    ttl: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const bytes = await this.#entries.encode(key, value, true);
    await this.store.set(key, bytes, ttl, storeOptions(signal));
  }

  /** Adds `delta` to the counter at `key`. */
  increment(key: string, delta: number, ttl: number, signal: AbortSignal | undefined): Promise<number> {
    return this.store.increment(key, delta, ttl, storeOptions(signal));
  }

  /** A hit answered synchronously (see {@link Tiers.peek}). */
  peek(key: string, eagerRefresh: number, ttlMs: () => number): unknown {
    return this.ref === undefined ? SLOW : peekHit(this.ref, key, eagerRefresh, ttlMs);
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

  /** Removes every entry of the store's prefix. */
  flush(signal: AbortSignal | undefined): Promise<void> {
    return this.store.flush(storeOptions(signal));
  }
}
