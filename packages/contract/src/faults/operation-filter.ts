import { ConfigError } from '@cache/core';
import { STORE_OPERATIONS, type StoreOperationName } from './store-operation.js';

/**
 * Validates an `operations` option and returns it as a set.
 *
 * @throws {@link ConfigError} for a name that is not a Store method (a typo
 *   would otherwise silently inject nothing).
 */
export function operationSet(
  wrapper: string,
  operations: readonly string[] | undefined,
  fallback: readonly StoreOperationName[],
): ReadonlySet<StoreOperationName> {
  const names = operations ?? fallback;
  const known: readonly string[] = STORE_OPERATIONS;
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${wrapper}: unknown store operations ${unknown.join(', ')}; known: ${known.join(', ')}`,
    );
  }
  return new Set(names as readonly StoreOperationName[]);
}
