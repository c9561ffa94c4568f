import type { Bus, CacheOptions, Store, StoreCapabilities } from '@cache/core';
import type { ContractStoreFactory } from '../store-contract/options.js';
import type { SkipList } from '../support/skip-list.js';

/** Options of {@link runCacheContract}. */
export interface CacheContractOptions {
  /** Shown in the suite title: `cache contract: <name>`. */
  readonly name: string;
  /** Builds a fresh store on the given prefix; the suite builds a `Cache` over it. */
  readonly create: ContractStoreFactory;
  /**
   * Overrides of the store's own `capabilities` used to scale TTLs and waits
   * (e.g. a coarser `ttlResolutionMs` for a slow CI server). The `Cache` itself
   * still sees the store's real capabilities.
   */
  readonly capabilities?: Partial<StoreCapabilities>;
  /**
   * Options for every `Cache` the suite builds (everything but `store`), e.g.
   * `{ compression: 'gzip', encryption: { key } }` to run a "shaped" variant.
   */
  readonly cacheOptions?: Omit<Partial<CacheOptions>, 'store'>;
  /**
   * The store keeps nothing (a `NullStore` or equivalent): run only what such a
   * store can satisfy (reads always miss, `remember` always calls the factory, …).
   */
  readonly nullSemantics?: boolean;
  /** Checks to leave out by name (see {@link CACHE_CONTRACT_CHECKS}), or a map of name to reason. */
  readonly skip?: SkipList;
  /** Per-test timeout in ms. Default 15,000. */
  readonly timeoutMs?: number;
  /**
   * Run every check through the hybrid tier: each `Cache` gets its own L1 from
   * `l1()` in front of the driver's store, and the caches of one test share the bus
   * from `bus()` (one per test). Adds the hybrid checks (coherence between two
   * nodes, gaps, `l1Ttl`).
   */
  readonly tier?: HybridTierShape;
}

/** The L1 and bus factories of a hybrid-tier run of {@link runCacheContract}. */
export interface HybridTierShape {
  /** A fresh by-reference L1 store for one `Cache` (e.g. `() => new MemoryStore()`). */
  readonly l1: () => Store;
  /** A bus for one test, shared by its caches (e.g. `() => new MemoryBus()`). Omit to run without a bus. */
  readonly bus?: () => Bus;
}
