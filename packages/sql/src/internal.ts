/**
 * `@cache/sql/internal`: every building block of the SQL store, for the dialect
 * packages of this repository (`@cache/sqlite`, `@cache/postgres`, `@cache/mysql`),
 * which reuse them. Not part of the public API: it changes without a major
 * version. Applications and third-party dialects use `@cache/sql`.
 *
 * @packageDocumentation
 */
// Everything public, then the building blocks only the repository's dialect packages use.
export * from './index.js';
export { SqlStatements, keyIdentityColumns, lookupBatchSize } from './statements.js';
export { MAX_IDENTIFIER_LENGTH } from './table-name.js';
export {
  validatePruneLimit,
  timerDuration,
  DEFAULT_PREFIX,
  DEFAULT_PRUNE_LIMIT,
  MAX_PREFIX_BYTES,
  MAX_TIMER_MS,
  RENAMED_TABLE_OPTIONS,
} from './config.js';
export { expiresAtFor, isLive } from './expiry.js';
export { KeyIdentity, keyHash, KEY_FORMS_PER_GENERATION, MAX_MEMOISED_KEY_LENGTH } from './key-identity.js';
export { toBytes, toValueBytes, toInteger } from './row-values.js';
export { distinctKeys, lastWriteWins, chunks, valuesInKeyOrder } from './batch.js';
export { PruneTimer } from './prune-timer.js';
export { GetBatcher } from './get-batcher.js';
export { SetBatcher, compareIdentity, upsertRows, type WriteRows } from './set-batcher.js';
export { StatementRegistry } from './statement-registry.js';
export {
  type StatementTimeouts,
  RENAMED_TIMEOUT_OPTIONS,
  resolveStatementTimeouts,
} from './statement-timeouts.js';
