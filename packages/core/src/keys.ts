import { ConfigError, InvalidKeyError } from './errors.js';

/** Default longest key, in UTF-16 code units, that the facade accepts. */
export const DEFAULT_MAX_KEY_LENGTH = 4096;

/**
 * First character of every key the library writes for itself (locks, rate-limit
 * windows, refresh locks, and later tag versions and leases): U+001F, the ASCII
 * unit separator. A user key may not start with it, so no user key can read,
 * overwrite or block an internal one.
 */
export const RESERVED_KEY_MARKER = '\u001f';

/**
 * Throws {@link InvalidKeyError} unless `key` is a non-empty, well-formed UTF-16
 * string of at most `maxLength` code units that does not start with
 * {@link RESERVED_KEY_MARKER}. Any other characters are allowed: drivers encode keys
 * their backend cannot hold as-is.
 */
export function assertValidKey(key: unknown, maxLength: number): asserts key is string {
  assertStoreKey(key);
  if (key.length > maxLength) {
    throw new InvalidKeyError(`key is ${key.length} characters long, over the limit of ${maxLength}`);
  }
  if (key.charCodeAt(0) === 0x1f) {
    throw new InvalidKeyError('keys starting with U+001F are reserved for the cache itself');
  }
}

/**
 * The check every driver applies to the keys it receives: a non-empty string that
 * is well-formed UTF-16. A lone surrogate has no UTF-8 encoding (encoders write
 * U+FFFD instead), so `'\uD800x'` and `'\uDBFFx'` would become one key on every
 * backend that stores UTF-8; they are refused instead.
 *
 * @throws {@link InvalidKeyError}
 */
export function assertStoreKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidKeyError(`key must be a string, got ${describeType(key)}`);
  if (key.length === 0) throw new InvalidKeyError('key must not be empty');
  if (!key.isWellFormed()) {
    throw new InvalidKeyError('key contains a lone UTF-16 surrogate (it has no UTF-8 encoding)');
  }
}

/** Options of {@link resolvePrefix}. */
export interface PrefixRule {
  /** Driver name, for the error message (`'RedisStore'`). */
  readonly driver: string;
  /**
   * Whether a prefix must be given. Drivers whose backend other applications can
   * share (Redis, memcached, NATS, DynamoDB, SQL, a directory) require one: a
   * shared default would make two services collide and one's `flush()` wipe the
   * other's entries.
   */
  readonly required: boolean;
  /** The prefix used when none is given and none is required. */
  readonly fallback?: string;
}

/**
 * Validates a store's `prefix` option: a non-empty, well-formed string (see
 * {@link PrefixRule} for when it is required).
 *
 * @throws {@link ConfigError}
 */
export function resolvePrefix(prefix: unknown, rule: PrefixRule): string {
  if (prefix === undefined) {
    if (rule.required || rule.fallback === undefined) {
      throw new ConfigError(
        `${rule.driver} needs a prefix (e.g. the service name): the backend may be shared, and ` +
          "two services on one prefix would read each other's entries and flush each other's keys",
      );
    }
    return rule.fallback;
  }
  if (typeof prefix !== 'string') {
    throw new ConfigError(`${rule.driver} prefix must be a string, got ${describeType(prefix)}`);
  }
  if (prefix.length === 0) throw new ConfigError(`${rule.driver} prefix must not be empty`);
  if (!prefix.isWellFormed()) {
    throw new ConfigError(`${rule.driver} prefix contains a lone UTF-16 surrogate`);
  }
  return prefix;
}

/** `typeof`, with `null` and arrays named as such, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
