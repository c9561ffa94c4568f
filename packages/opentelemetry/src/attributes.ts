/** Attribute names of the spans and metrics. `cache.*` are this package's; the rest follow OpenTelemetry's semantic conventions. */
export const ATTR = {
  cacheName: 'cache.name',
  cacheOperation: 'cache.operation',
  cacheStore: 'cache.store',
  cacheNamespace: 'cache.namespace',
  cacheKey: 'cache.key',
  cacheKeys: 'cache.keys',
  cacheHit: 'cache.hit',
  cacheStale: 'cache.stale',
  cacheTier: 'cache.tier',
  cacheResult: 'cache.result',
  cacheBatchSize: 'cache.batch.size',
  cacheBatchHits: 'cache.batch.hits',
  cacheBatchStales: 'cache.batch.stales',
  cacheLockAcquired: 'cache.lock.acquired',
  cacheRateLimitAllowed: 'cache.rate_limit.allowed',
  busKind: 'cache.bus.kind',
  busKeyCount: 'cache.bus.key_count',
  busGapReason: 'cache.bus.gap.reason',
  errorType: 'error.type',
  dbSystemName: 'db.system.name',
  dbOperationName: 'db.operation.name',
  dbOperationBatchSize: 'db.operation.batch.size',
  messagingSystem: 'messaging.system',
  messagingOperationType: 'messaging.operation.type',
  messagingOperationName: 'messaging.operation.name',
} as const;

/**
 * `db.system.name` values of the semantic conventions for the drivers whose name
 * differs from it; any other driver name is reported as it is.
 */
const DB_SYSTEMS: Readonly<Record<string, string>> = {
  postgres: 'postgresql',
  dynamodb: 'aws.dynamodb',
};

/** The `db.system.name` of a store driver (`redis`, `postgres` → `postgresql`, …). */
export function dbSystemName(driver: string): string {
  return DB_SYSTEMS[driver] ?? driver;
}

/**
 * The `error.type` of a failure: the error's class name (the library's errors set
 * `name` to it: `CacheTimeoutError`, `StoreUnavailableError`, …), low in
 * cardinality as the convention asks; `_OTHER` for a thrown non-error.
 */
export function errorType(error: unknown): string {
  if (error instanceof Error && typeof error.name === 'string' && error.name !== '') return error.name;
  return '_OTHER';
}
