/**
 * `@cache/memory`: an in-process store for `@cache/core`, bounded by entries and
 * optionally by bytes with a scan-resistant eviction policy (W-TinyLFU, or LRU),
 * millisecond TTLs, one sweep timer per store and values kept by reference or as bytes.
 *
 * @packageDocumentation
 */
export { MemoryStore, MEMORY_STORE_CAPABILITIES } from './memory-store.js';
export { MAX_WALKED_VALUES } from './value-meter.js';
export type { EvictionPolicyName } from './eviction/policy.js';
export {
  DEFAULT_MAX_ENTRIES,
  DEFAULT_PRUNE_INTERVAL_MS,
  DEFAULT_PRUNE_LIMIT,
  type MemoryStoreOptions,
  type MemoryValueMode,
} from './options.js';
