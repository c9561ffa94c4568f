import { CacheError, NotNumericError, StoreError } from '@cache/core';
import { NOT_NUMERIC_REPLY, UNSAFE_INTEGER_REPLY } from './lua.js';

/** Driver name reported in errors and to observers. */
export const DRIVER = 'redis';

/**
 * Turns whatever a Redis call threw into the library's typed errors: our own
 * errors pass through, the increment script's refusals (and `INCRBY`'s "not an
 * integer", should a server ever answer it) become {@link NotNumericError},
 * everything else (connection refused, timeouts, server errors) a {@link StoreError}
 * with the original as `cause`.
 */
export function toStoreError(operation: string, error: unknown, key?: string): Error {
  if (error instanceof CacheError) return error;
  if (key !== undefined && error instanceof Error) {
    const message = error.message;
    if (message.includes(UNSAFE_INTEGER_REPLY)) {
      return new NotNumericError(key, 'would leave the safe integer range');
    }
    if (message.includes(NOT_NUMERIC_REPLY)) return new NotNumericError(key);
    if (message.includes('not an integer') || message.includes('would overflow')) {
      return new NotNumericError(key);
    }
  }
  return new StoreError(DRIVER, operation, error);
}
