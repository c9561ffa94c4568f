/**
 * `@cache/memcached`: a `@cache/core` store on memcached through memjs, one
 * server or several, with millisecond-precise expiry, prefix-scoped flush
 * without `flush_all`, and atomic signed counters.
 *
 * @packageDocumentation
 */
export { MemcachedStore } from './memcached-store.js';
export { SUPPORTED_MEMJS_RANGE } from './memjs-client.js';
export {
  DEFAULT_MAX_CAS_ATTEMPTS,
  DEFAULT_MAX_ITEM_BYTES,
  DEFAULT_MAX_VALUE_BYTES,
  DEFAULT_MEMCACHED_SERVERS,
  DEFAULT_TIMEOUT_MS,
  ITEM_OVERHEAD_RESERVE,
  type MemcachedStoreOptions,
} from './options.js';
