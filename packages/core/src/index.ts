/**
 * `@cache/core`: the Store contract every driver implements, the {@link Cache}
 * facade with its helpers, codecs, shaping, the null and memo stores, and the
 * error classes.
 *
 * @packageDocumentation
 */
export * from './store.js';
export * from './errors.js';
export * from './duration.js';
export * from './keys.js';
export * from './bytes.js';
export * from './codec.js';
export * from './observer.js';
export type { OperationOptions } from './signal.js';
export { abortableDelay, untilAborted } from './signal.js';
export { DeadlineQueue } from './deadline-queue.js';
export { StoreLifecycle, assertNoRenamedOptions } from './store-lifecycle.js';
export { Cache } from './cache.js';
export type {
  Bus,
  BusListener,
  BusMessage,
  BusMessageKind,
  BusPublishOptions,
  BusSubscription,
} from './bus/bus.js';
export { MemoryBus } from './bus/memory-bus.js';
export { decodeBusMessage, encodeBusMessage } from './bus/message-codec.js';
export type {
  CacheEntry,
  CacheHealth,
  CacheOptions,
  LockOptions,
  SetOptions,
  StaleResult,
} from './facade/options.js';
export type { CircuitState } from './tiers/circuit-breaker.js';
export type { Factory, FactoryContext } from './read-through/engine.js';
export type { ReadThroughOptions, RememberOptions } from './read-through/options.js';
export type { ManyFactory, ManyFactoryContext, ManyFactoryResult } from './read-through/remember-many.js';
export { Lock } from './helpers/lock.js';
export type { RateLimitResult } from './helpers/rate-limit.js';
export type { CompressionAlgorithm, CompressionOption } from './shaping/compress.js';
export type { EncryptionKey, EncryptionOption } from './shaping/encrypt.js';
export { StampedValue, encodeReferenceValue, isStampedValue } from './entry/stamped.js';
export { NullStore } from './stores/null-store.js';
export { MemoStore } from './stores/memo-store.js';
export type { MemoStoreOptions } from './stores/memo-store.js';
export type { CacheStats } from './observability/stats.js';
export type { CacheEventListener, CacheEventMap, CacheEventName } from './observability/events.js';
export { CHANNELS } from './observability/channels.js';
export type {
  BusGapMessage,
  BusMessageReceived,
  BusPublishContext,
  CacheCallContext,
  FactoryTraceContext,
  StoreCallContext,
} from './observability/channels.js';
export { ObservableCache } from './observability/observable-cache.js';
