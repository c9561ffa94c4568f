import { ConfigError } from '@cache/core';
import type { SqlDialect } from './dialect.js';
import type { SqlExecutor } from './executor.js';

/**
 * Checks the dialect and executor a `SqlStore` is given.
 *
 * @throws `ConfigError` for a dialect that is not one, an executor without
 *   `query`/`execute`, or a missing `transaction` the dialect's increment needs.
 */
export function assertDialectAndExecutor(
  dialect: SqlDialect | undefined,
  executor: SqlExecutor | undefined,
): asserts dialect is SqlDialect {
  if (
    typeof dialect !== 'object' ||
    dialect === null ||
    typeof dialect.placeholder !== 'function' ||
    typeof dialect.quoteIdentifier !== 'function' ||
    typeof dialect.createTableStatements !== 'function'
  ) {
    throw new ConfigError('dialect must be a SqlDialect (e.g. postgresDialect from @cache/sql)');
  }
  if (typeof executor?.query !== 'function' || typeof executor.execute !== 'function') {
    throw new ConfigError('executor must implement query() and execute()');
  }
  if (dialect.incrementStatement === undefined && typeof executor.transaction !== 'function') {
    throw new ConfigError(
      `the ${dialect.name} dialect increments in a transaction: the executor must implement transaction()`,
    );
  }
}

/**
 * The effective value cap: the caller's, which may only lower the dialect's.
 *
 * @throws `ConfigError` for a non-positive or non-integer cap, or one above the dialect's.
 */
export function resolveMaxValueBytes(
  requested: number | undefined,
  dialectCap: number | undefined,
): number | undefined {
  if (requested === undefined) return dialectCap;
  if (!Number.isSafeInteger(requested) || requested <= 0) {
    throw new ConfigError(`maxValueBytes must be a positive integer, got ${requested}`);
  }
  if (dialectCap !== undefined && requested > dialectCap) {
    throw new ConfigError(`maxValueBytes ${requested} is above what this database accepts (${dialectCap})`);
  }
  return requested;
}
