export { RedisStore } from './redis-store.js';
export {
  type RedisStoreOptions,
  defaultRedisOptions,
  defaultClusterOptions,
  REDIS_MAX_VALUE_BYTES,
  DEFAULT_CONNECT_TIMEOUT_MS,
} from './options.js';
export { keySlot, SLOT_COUNT } from './key-slot.js';
export { escapeGlob } from './glob.js';
