import { InvalidKeyError } from './errors.js';

/** Default longest key, in UTF-16 code units, that the facade accepts. */
export const DEFAULT_MAX_KEY_LENGTH = 4096;

/**
 * Throws {@link InvalidKeyError} unless `key` is a non-empty string of at most
 * `maxLength` code units. Any characters are allowed: drivers encode keys their
 * backend cannot hold as-is.
 */
export function assertValidKey(key: unknown, maxLength: number): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(`key must be a string, got ${typeof key}`);
  if (key.length === 0) throw new InvalidKeyError('key must not be empty');
  if (key.length > maxLength) {
    throw new InvalidKeyError(`key is ${key.length} characters long, over the limit of ${maxLength}`);
  }
}
