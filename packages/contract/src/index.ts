/**
 * `@cache/contract`: the shared Store contract suite (vitest), the helper
 * invariants over a `Cache`, and fault-injection store wrappers.
 *
 * @packageDocumentation
 */
export { runStoreContract, STORE_CONTRACT_CHECKS } from './store-contract/run-store-contract.js';
export type {
  ContractStoreContext,
  ContractStoreFactory,
  StoreContractOptions,
} from './store-contract/options.js';
export type { SkipList } from './support/skip-list.js';
export * from './faults/index.js';
export {
  runCacheContract,
  CACHE_CONTRACT_CHECKS,
  NULL_CACHE_CONTRACT_CHECKS,
} from './cache-contract/run-cache-contract.js';
export type { CacheContractOptions, HybridTierShape } from './cache-contract/options.js';
export { runBusContract, BUS_CONTRACT_CHECKS, BusRecorder } from './bus-contract/run-bus-contract.js';
export type { BusContext, BusContractOptions } from './bus-contract/run-bus-contract.js';
export { canConnect } from './support/tcp.js';
export type { Endpoint } from './support/tcp.js';
