import { StoreError } from '@cache/core';
import type { StoreOperationName } from './store-operation.js';

/** Builds the error a fault wrapper injects. */
export type ErrorFactory = () => Error;

/**
 * The error to reject an injected failure with: always a `StoreError` (what a
 * driver raises for a backend failure), wrapping the factory's error as `cause`
 * unless the factory already returned a `StoreError`.
 */
export function injectedError(
  driver: string,
  op: StoreOperationName,
  factory: ErrorFactory | undefined,
): StoreError {
  const error = factory ? factory() : new Error('injected store failure');
  if (error instanceof StoreError || (error as { code?: unknown }).code === 'CACHE_STORE_ERROR') {
    return error as StoreError;
  }
  return new StoreError(driver, op, error);
}
