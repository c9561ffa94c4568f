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
export { abortableDelay } from './signal.js';
export { Cache } from './cache.js';
export type { CacheEntry, CacheOptions, Factory, FactoryContext, LockOptions, StaleResult } from './cache.js';
export { Lock } from './helpers/lock.js';
export type { RateLimitResult } from './helpers/rate-limit.js';
export type { CompressionAlgorithm, CompressionOption } from './shaping/compress.js';
export type { EncryptionKey, EncryptionOption } from './shaping/encrypt.js';
export { StampedValue, encodeReferenceValue } from './entry/stamped.js';
export { NullStore } from './stores/null-store.js';
export { MemoStore } from './stores/memo-store.js';
export type { MemoStoreOptions } from './stores/memo-store.js';
