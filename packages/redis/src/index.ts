export { RedisStore } from './redis-store.js';
export {
  type RedisStoreOptions,
  defaultRedisOptions,
  defaultClusterOptions,
  REDIS_MAX_VALUE_BYTES,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
} from './options.js';
export { keySlot, SLOT_COUNT } from './key-slot.js';
export { escapeGlob } from './glob.js';
export { encodePrefix, keyNamespace } from './key-layout.js';
export {
  RedisBus,
  type RedisBusOptions,
  type RedisBusConnectionInfo,
  DEFAULT_BUS_TIMEOUT_MS,
  DEFAULT_CHANNEL_PREFIX,
  DEFAULT_PING_INTERVAL_MS,
} from './redis-bus.js';
