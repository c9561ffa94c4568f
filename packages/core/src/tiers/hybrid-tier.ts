import type { Bus } from '../bus/bus.js';
import type { DecodedEntry, EntryCodec } from '../entry/entry-codec.js';
import type { EntryLifetime } from '../entry/lifetime.js';
import { hitOf, SLOW } from '../facade/fast-path.js';
import type { ReferenceStore, Store } from '../store.js';
import { CircuitBreaker, type CircuitState, isOutage } from './circuit-breaker.js';
import { Coherence, type CoherenceEvents } from './coherence.js';
import { L1Slots } from './l1-slots.js';
import { StoreTier } from './store-tier.js';
import type { CacheHealth } from '../facade/options.js';
import { reportReceived } from '../observability/channels.js';
import type { StatsCounters } from '../observability/stats.js';
import { type TagVersions, versionKey, versionNameOf } from '../tags/tag-versions.js';
import {
  entryOfReference,
  freshValue,
  pause,
  probeStore,
  referenceOf,
  type Tiers,
  type TierWrite,
} from './tiers.js';

/** Options of {@link HybridTier}. */
export interface HybridTierOptions {
  readonly store: Store;
  readonly entries: EntryCodec;
  readonly l1: ReferenceStore;
  readonly bus: Bus | undefined;
  /** Longest time an entry lives in L1, ms. */
  readonly l1TtlMs: number;
  /** Where bus errors and gaps are reported. */
  readonly onBusEvent: (event: 'gap' | 'error', detail: unknown) => void;
  /** The L2 circuit breaker's settings, or `undefined` for none. */
  readonly breaker: { readonly failures: number; readonly openMs: number } | undefined;
  /** Told when the circuit opens and closes. */
  readonly onCircuit: (state: CircuitState, cause: unknown) => void;
  /** Tag and namespace versions. */
  readonly versions: TagVersions;
  /**
   * How long versions read from the store are trusted, ms: while the bus is
   * connected (every bump is announced) and while it is not (or without a bus).
   */
  readonly versionTrust: { readonly connected: number; readonly disconnected: number };
  /** Where reads and bus traffic are counted. */
  readonly stats: StatsCounters;
  /** The cache's name, for bus trace contexts. */
  readonly cacheName: string;
}

/**
 * L1 (an in-process by-reference store) in front of L2 (any store), kept coherent
 * across nodes by a bus.
 *
 * Reads: L1, then L2 (an L2 hit fills L1, unless an eviction arrived while it was
 * read). Writes and deletes: L2, then L1, then one batched bus message for the
 * other nodes, which evict the keys from their L1 — no L2 read per message. An
 * entry lives in L1 at most `l1Ttl`, and never past its L2 expiry (caches with an
 * L1 record it in the entry). While the bus is disconnected, L1 is bypassed.
 */
export class HybridTier implements Tiers {
  readonly store: Store;
  readonly versions: TagVersions;
  readonly peekTier = 'l1';
  readonly #l2: StoreTier;
  readonly #stats: StatsCounters;
  readonly #l1: ReferenceStore;
  readonly #slots: L1Slots;
  readonly #coherence: Coherence | undefined;
  readonly #watchers = new Map<string, Set<() => void>>();
  readonly #breaker: CircuitBreaker | undefined;

  constructor(options: HybridTierOptions) {
    this.store = options.store;
    this.versions = options.versions;
    this.#stats = options.stats;
    this.#l2 = new StoreTier(options.store, options.entries, undefined, options.versions);
    this.#l1 = options.l1;
    this.#breaker =
      options.breaker === undefined
        ? undefined
        : new CircuitBreaker(options.breaker.failures, options.breaker.openMs, options.onCircuit);
    if (options.bus !== undefined) {
      const events: CoherenceEvents = {
        evict: (keys) => {
          let bumped: string[] | undefined;
          for (const key of keys) {
            const name = versionNameOf(key);
            if (name !== undefined) {
              if (bumped === undefined) bumped = [];
              bumped.push(name);
            } else {
              this.#slots.drop(key);
              this.#wake(key);
            }
          }
          if (bumped !== undefined) this.versions.forget(bumped);
        },
        gap: (reason) => {
          // Bumps may have been missed with the messages: re-read every version.
          this.versions.forgetAll();
          options.stats.busGaps++;
          options.onBusEvent('gap', reason);
        },
        error: (error) => options.onBusEvent('error', error),
        published: () => {
          options.stats.busPublished++;
        },
        received: (message) => {
          options.stats.busReceived++;
          reportReceived(options.cacheName, message);
        },
      };
      const coherence = new Coherence(options.bus, events, options.cacheName);
      this.#coherence = coherence;
      const { connected, disconnected } = options.versionTrust;
      this.versions.trustFor(() => (coherence.connected ? connected : disconnected));
      coherence.start();
    } else {
      const { disconnected } = options.versionTrust;
      this.versions.trustFor(() => disconnected);
    }
    this.#slots = new L1Slots(options.l1, options.l1TtlMs, this.#coherence, () => this.#degraded());
  }

  /** This node's id on the bus (undefined without a bus). */
  get nodeId(): string | undefined {
    return this.#coherence?.nodeId;
  }

  /** Whether the bus subscription is active (true without a bus). */
  busConnected(): boolean {
    return this.#coherence === undefined || this.#coherence.connected;
  }

  // ------------------------------------------------------------ reads

  peek(key: string, eagerRefresh: number, ttlMs: () => number): unknown {
    const slot = this.#slots.slot(key);
    return slot === undefined ? SLOW : hitOf(slot.value, eagerRefresh, ttlMs, this.versions);
  }

  async read(key: string, signal: AbortSignal | undefined): Promise<DecodedEntry | undefined> {
    const served = await this.#served(key);
    if (served !== undefined) return served;
    const mark = this.#slots.mark();
    let entry: DecodedEntry | undefined;
    try {
      entry = await this.#viaL2(() => this.#l2.read(key, signal));
    } catch (error) {
      // The store is out: what this node's L1 still holds answers (degrade to memory).
      const fallback = isOutage(error) ? this.#slots.fallback(key) : undefined;
      if (fallback === undefined) throw error;
      const entry = entryOfReference(fallback.value);
      // Versions cannot be read now: only what is known to be invalidated is withheld.
      const verdict = entry.versions === undefined ? 'valid' : this.versions.verdictNow(entry.versions);
      if (verdict === 'deleted') throw error;
      return verdict === 'expired' ? { ...entry, softExpiresAt: 0 } : entry;
    }
    if (entry !== undefined) this.#slots.fill(key, entry, mark);
    return entry;
  }

  async readFresh(key: string, signal: AbortSignal | undefined): Promise<unknown> {
    const entry = await this.read(key, signal);
    const value = entry === undefined ? undefined : freshValue(entry);
    if (value === undefined) this.#stats.misses++;
    else this.#stats.hit(entry?.tier ?? 'l2');
    return value;
  }

  async readMany(
    keys: readonly string[],
    signal: AbortSignal | undefined,
  ): Promise<(DecodedEntry | undefined)[]> {
    const result: (DecodedEntry | undefined)[] = new Array(keys.length);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const served = await this.#served(keys[i] as string);
      if (served === undefined) missing.push(i);
      else result[i] = served;
    }
    if (missing.length === 0) return result;
    const mark = this.#slots.mark();
    const missingKeys = missing.map((i) => keys[i] as string);
    const entries = await this.#viaL2(() => this.#l2.readMany(missingKeys, signal));
    entries.forEach((entry, j) => {
      result[missing[j] as number] = entry;
      if (entry !== undefined) this.#slots.fill(missingKeys[j] as string, entry, mark);
    });
    return result;
  }

  async readRaw(key: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const value = await this.#viaL2(() => this.#l2.readRaw(key, signal));
    if (value === undefined) this.#stats.misses++;
    else this.#stats.hit('l2');
    return value;
  }

  // ------------------------------------------------------------ writes

  async write(
    key: string,
    value: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
    keepOnOutage = false,
  ): Promise<void> {
    try {
      await this.#writeL2(() => this.#l2.write(key, value, lifetime, signal));
    } catch (error) {
      // A store outage degrades to memory: what a fail-open `remember` computed stays
      // in this node's L1 (not recomputed on every call); the error still reaches the
      // caller, who reports it.
      if (keepOnOutage && isOutage(error))
        this.#slots.put(key, referenceOf(value, lifetime), lifetime.storeTtl, true);
      throw error;
    }
    this.#slots.put(key, referenceOf(value, lifetime), lifetime.storeTtl);
    this.#coherence?.announce([key]);
  }

  async writeMany(writes: readonly TierWrite[], signal: AbortSignal | undefined): Promise<void> {
    await this.#writeL2(() => this.#l2.writeMany(writes, signal));
    for (const w of writes) this.#slots.put(w.key, referenceOf(w.value, w.lifetime), w.lifetime.storeTtl);
    this.#coherence?.announce(writes.map((w) => w.key));
  }

  async add(
    key: string,
    value: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const added = await this.#viaL2(() => this.#l2.add(key, value, lifetime, signal));
    if (added) {
      this.#slots.put(key, referenceOf(value, lifetime), lifetime.storeTtl);
      this.#coherence?.announce([key]);
    }
    return added;
  }

  async increment(key: string, delta: number, ttl: number, signal: AbortSignal | undefined): Promise<number> {
    const next = await this.#viaL2(() => this.#l2.increment(key, delta, ttl, signal));
    this.#slots.drop(key);
    this.#coherence?.announce([key]);
    return next;
  }

  async writeRaw(
    key: string,
    value: Uint8Array,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    await this.#writeL2(() => this.#l2.writeRaw(key, value, lifetime, signal));
    this.#slots.drop(key);
    this.#coherence?.announce([key]);
  }

  async delete(key: string, signal: AbortSignal | undefined): Promise<void> {
    this.#slots.drop(key);
    await this.#writeL2(() => this.#l2.delete(key, signal));
    this.#slots.drop(key);
    this.#coherence?.announce([key]);
  }

  async deleteMany(keys: readonly string[], signal: AbortSignal | undefined): Promise<void> {
    for (const key of keys) this.#slots.drop(key);
    await this.#writeL2(() => this.#l2.deleteMany(keys, signal));
    for (const key of keys) this.#slots.drop(key);
    this.#coherence?.announce(keys);
  }

  async flush(signal: AbortSignal | undefined): Promise<void> {
    await this.#writeL2(() => this.#l2.flush(signal));
    await this.#l1.flush();
    this.#coherence?.announceClear();
  }

  /** Bumps versions in the store (never skipped: an invalidation must not be lost), then tells the other nodes. */
  async bumpVersions(names: readonly string[], step: number, signal: AbortSignal | undefined): Promise<void> {
    await this.#viaL2(() => this.#l2.bumpVersions(names, step, signal));
    this.#coherence?.announce(names.map(versionKey));
  }

  watch(key: string, timeoutMs: number): Promise<void> {
    if (this.#coherence === undefined || !this.#coherence.connected) return pause(timeoutMs);
    return new Promise((resolve) => {
      let watchers = this.#watchers.get(key);
      if (watchers === undefined) {
        watchers = new Set();
        this.#watchers.set(key, watchers);
      }
      const done = (): void => {
        clearTimeout(timer);
        const set = this.#watchers.get(key);
        set?.delete(done);
        if (set?.size === 0) this.#watchers.delete(key);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref?.();
      watchers.add(done);
    });
  }

  #wake(key: string): void {
    const watchers = this.#watchers.get(key);
    if (watchers !== undefined) for (const done of [...watchers]) done();
  }

  async close(): Promise<void> {
    await this.#coherence?.close();
    await Promise.all([this.#l1.close(), this.store.close()]);
  }

  async health(timeoutMs: number): Promise<CacheHealth> {
    const circuit = this.#breaker?.state ?? 'none';
    const store = circuit === 'open' ? false : await probeStore(this.store, timeoutMs);
    const bus =
      this.#coherence === undefined ? 'none' : this.#coherence.connected ? 'connected' : 'disconnected';
    return { store, circuit, bus };
  }

  /**
   * Whether the store is being skipped (circuit open): then L1 serves even with the
   * bus down — no node reaching the store through this cache could invalidate it,
   * and a store outage should degrade to an in-process cache, not to the factory.
   * When the bus is back, the generation moves on and everything from the outage goes.
   */
  #degraded(): boolean {
    return this.#breaker?.refusing === true;
  }

  /** The circuit's state (`undefined` without a breaker). */
  get circuit(): CircuitState | undefined {
    return this.#breaker?.state;
  }

  /** An L2 call through the circuit breaker. */
  #viaL2<T>(call: () => Promise<T>): Promise<T> {
    return this.#breaker === undefined ? call() : this.#breaker.run(call);
  }

  /** An L2 write: while the circuit is open it is skipped (L1 only: degraded, not failed). */
  async #writeL2(call: () => Promise<void>): Promise<void> {
    if (this.#breaker?.refusing === true) return;
    await this.#viaL2(call);
  }

  // ------------------------------------------------------------ L1

  /**
   * The entry L1 serves for `key`: its slot's, when its versions are current. A
   * slot invalidated by a tag or namespace is dropped and the read goes on to L2,
   * where another node (without a bus to tell us) may have written it again.
   */
  async #served(key: string): Promise<DecodedEntry | undefined> {
    const slot = this.#slots.slot(key);
    if (slot === undefined) return undefined;
    const entry = entryOfReference(slot.value, 'l1');
    if (entry.versions === undefined) return entry;
    const verdict = this.versions.verdict(entry.versions);
    if ((verdict instanceof Promise ? await verdict : verdict) === 'valid') return entry;
    this.#slots.drop(key);
    return undefined;
  }
}
