import { Cache, type CacheOptions, type Store, type StoreCapabilities } from '@cache/core';
import { uniquePrefix } from '../support/prefix.js';
import type { ContractStoreFactory } from '../store-contract/options.js';

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

  /**
   * @param factory - the driver's factory
   * @param shape - the suite's cache options
   * @param overrides - capability overrides from the suite options
   */
  constructor(
    private readonly factory: ContractStoreFactory,
    readonly shape: CacheShape,
    private readonly overrides: Partial<StoreCapabilities> = {},
  ) {}

  /** Whether the suite's cache options compress or encrypt. */
  get shaped(): boolean {
    return this.shape.compression !== undefined || this.shape.encryption !== undefined;
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
    const cache = new Cache({ ...this.shape, ...extra, store: target });
    return { cache, store: target, capabilities: { ...target.capabilities, ...this.overrides } };
  }

  /** Flushes (best effort) and closes every store of the test. */
  async cleanup(): Promise<void> {
    const stores = this.opened.splice(0);
    for (const store of stores) {
      try {
        await store.flush();
      } catch {
        // Already closed, or broken on purpose.
      }
    }
    await Promise.all(stores.map((store) => store.close()));
  }
}
