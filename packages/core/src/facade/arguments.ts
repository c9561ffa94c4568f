import { InvalidArgumentError, InvalidValueError } from '../errors.js';
import type { OperationOptions } from '../signal.js';

/**
 * The fast paths' inline form of `assertValidKey`: true for keys that need no
 * further checks. Anything else takes the slow path, which throws the typed error.
 */
export function isFastKey(key: unknown, maxLength: number): key is string {
  return (
    typeof key === 'string' &&
    key.length > 0 &&
    key.length <= maxLength &&
    key.charCodeAt(0) !== 0x1f &&
    key.isWellFormed()
  );
}

/** Throws {@link InvalidArgumentError} unless `factory` is a function. */
export function assertFactory(factory: unknown): void {
  if (typeof factory !== 'function') {
    throw new InvalidArgumentError(
      `factory must be a function, got ${factory === null ? 'null' : typeof factory}`,
    );
  }
}

/** Throws {@link InvalidValueError} for `undefined`, which cannot be cached. */
export function assertStorable(value: unknown): void {
  if (value === undefined)
    throw new InvalidValueError('undefined cannot be cached (a miss already reads as undefined)');
}

/** Throws {@link InvalidValueError} unless `delta` is a safe integer. */
export function assertSafeInteger(delta: number): void {
  if (!Number.isSafeInteger(delta)) throw new InvalidValueError(`delta must be a safe integer, got ${delta}`);
}

/** Whether a call's options leave the synchronous fast path open (no signal, no deadline). */
export function noDeadline(options: OperationOptions | undefined): boolean {
  return options === undefined || (options.signal === undefined && options.timeout === undefined);
}
