/**
 * `@cache/memory`: an in-process store for `@cache/core`, a bounded LRU (by entries and
 * optionally by bytes) with millisecond TTLs, one sweep timer per store and values kept
 * by reference or as bytes.
 *
 * @packageDocumentation
 */
export { MemoryStore, MEMORY_STORE_CAPABILITIES } from './memory-store.js';
export {
  DEFAULT_MAX_ENTRIES,
  DEFAULT_SWEEP_BATCH,
  DEFAULT_SWEEP_INTERVAL_MS,
  type MemoryStoreOptions,
  type MemoryValueMode,
} from './options.js';
