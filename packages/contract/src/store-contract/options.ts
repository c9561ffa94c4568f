import type { Store, StoreCapabilities } from '@cache/core';
import type { SkipList } from '../support/skip-list.js';

/** What the suite passes to a store factory. */
export interface ContractStoreContext {
  /**
   * A fresh prefix (`ct_` + random hex) the new store must scope its keys to.
   * Stores created with the same prefix must share entries (on a shared
   * backend); stores with different prefixes must never see each other's keys.
   */
  readonly prefix: string;
}

/**
 * Builds a fresh store for one test. Called several times per test (the flush
 * check builds neighbours on other prefixes); the suite closes every store it
 * created after each test.
 */
export type ContractStoreFactory = (context: ContractStoreContext) => Store | Promise<Store>;

/** Options of {@link runStoreContract}. */
export interface StoreContractOptions {
  /** Shown in the suite title: `store contract: <name>`. */
  readonly name: string;
  /** Builds a fresh store on the given prefix. */
  readonly create: ContractStoreFactory;
  /**
   * Overrides of the store's own `capabilities` (e.g. a coarser
   * `ttlResolutionMs` for a slow CI server). Merged over `store.capabilities`.
   */
  readonly capabilities?: Partial<StoreCapabilities>;
  /**
   * Checks to leave out, by name (see {@link STORE_CONTRACT_CHECKS}), or a map of
   * name to reason. Each skipped check is printed with its reason. An unknown
   * name throws a `ConfigError`.
   */
  readonly skip?: SkipList;
  /** Per-test timeout in ms. Default 15,000 (room for one-second TTL resolution). */
  readonly timeoutMs?: number;
}
