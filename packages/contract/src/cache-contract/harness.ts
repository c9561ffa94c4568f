import { type Bus, Cache, type CacheOptions, type Store, type StoreCapabilities } from '@cache/core';
import { uniquePrefix } from '../support/prefix.js';
import type { ContractStoreFactory } from '../store-contract/options.js';
import type { HybridTierShape } from './options.js';

/** A cache under test with the store beneath it. */
export interface CacheUnderTest {
  /** The facade. */
  readonly cache: Cache;
  /** The driver's store (to plant raw bytes or inspect what was written). */
  readonly store: Store;
  /** The store's capabilities with the suite's overrides applied. */
  readonly capabilities: StoreCapabilities;
}

/** Cache options without the store. */
export type CacheShape = Omit<Partial<CacheOptions>, 'store'>;

/**
 * Creates the caches one test uses, each over a fresh store on a fresh prefix,
 * and flushes and closes those stores after the test.
 */
export class CacheHarness {
  private readonly opened: Store[] = [];
  private readonly caches: Cache[] = [];
  private testBus: Bus | undefined;

  /**
   * @param factory - the driver's factory
   * @param shape - the suite's cache options
   * @param overrides - capability overrides from the suite options
   */
  constructor(
    private readonly factory: ContractStoreFactory,
    readonly shape: CacheShape,
    private readonly overrides: Partial<StoreCapabilities> = {},
    /** The hybrid tier to run through, if any. */
    readonly tier: HybridTierShape | undefined = undefined,
  ) {}

  /** The bus the caches of this test share (hybrid runs with a bus only). */
  get bus(): Bus | undefined {
    if (this.testBus === undefined && this.tier?.bus !== undefined) this.testBus = this.tier.bus();
    return this.testBus;
  }

  /** Whether the suite's cache options compress or encrypt. */
  get shaped(): boolean {
    return this.shape.compression !== undefined || this.shape.encryption !== undefined;
  }

  /** A fresh random prefix (to open several stores on one prefix, like several processes). */
  prefix(): string {
    return uniquePrefix();
  }

  /** A new store on a fresh prefix (or `prefix`), cleaned up after the test. */
  async store(prefix: string = uniquePrefix()): Promise<Store> {
    const store = await this.factory({ prefix });
    this.opened.push(store);
    return store;
  }

  /** A cache with the suite's options (plus `extra`) over `store`, or over a new store. */
  async open(extra: CacheShape = {}, store?: Store): Promise<CacheUnderTest> {
    const target = store ?? (await this.store());
    const tier =
      this.tier === undefined
        ? {}
        : { l1: this.tier.l1(), ...(this.bus === undefined ? {} : { bus: this.bus }) };
    const cache = new Cache({ ...this.shape, ...tier, ...extra, store: target });
    this.caches.push(cache);
    return { cache, store: target, capabilities: { ...target.capabilities, ...this.overrides } };
  }

  /** Flushes (best effort) and closes every store of the test. */
  async cleanup(): Promise<void> {
    const caches = this.tier === undefined ? [] : this.caches.splice(0);
    this.caches.length = 0;
    const stores = this.opened.splice(0);
    for (const store of stores) {
      try {
        await store.flush();
      } catch {
        // Already closed, or broken on purpose.
      }
    }
    // With an L1, closing the cache also closes its L1 and leaves the bus.
    await Promise.all(caches.map((cache) => cache.close().catch(() => undefined)));
    await Promise.all(stores.map((store) => store.close()));
    await this.testBus?.close();
    this.testBus = undefined;
  }
}
