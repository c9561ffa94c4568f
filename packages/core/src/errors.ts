/**
 * Every error this library raises on purpose is a {@link CacheError} with a stable
 * `code`, so callers can branch on `err.code` even across two copies of the package
 * (where `instanceof` may fail).
 */

/** Stable machine-readable error codes. */
export type CacheErrorCode =
  | 'CACHE_INVALID_KEY'
  | 'CACHE_INVALID_TTL'
  | 'CACHE_INVALID_VALUE'
  | 'CACHE_VALUE_TOO_LARGE'
  | 'CACHE_INVALID_CONFIG'
  | 'CACHE_CORRUPT_PAYLOAD'
  | 'CACHE_DECRYPTION_FAILED'
  | 'CACHE_NOT_NUMERIC'
  | 'CACHE_STORE_ERROR'
  | 'CACHE_STORE_CLOSED'
  | 'CACHE_TIMEOUT'
  | 'CACHE_ABORTED'
  | 'CACHE_FACTORY_TIMEOUT'
  | 'CACHE_CIRCUIT_OPEN'
  | 'CACHE_INVALID_ARGUMENT'
  | 'CACHE_LOCK_TIMEOUT'
  | 'CACHE_CONFLICT';

/** Base class of every error this library raises. */
export class CacheError extends Error {
  /** Stable machine-readable code. */
  readonly code: CacheErrorCode;

  /**
   * @param code - stable machine-readable code
   * @param message - human-readable description
   * @param options - standard `ErrorOptions` (`cause`)
   */
  constructor(code: CacheErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A key is not a non-empty string within the allowed length. */
export class InvalidKeyError extends CacheError {
  /** @param message - what is wrong with the key */
  constructor(message: string) {
    super('CACHE_INVALID_KEY', message);
  }
}

/** A TTL or duration is NaN, infinite, negative where not allowed, or an unparseable string. */
export class InvalidTtlError extends CacheError {
  /** @param message - what is wrong with the TTL */
  constructor(message: string) {
    super('CACHE_INVALID_TTL', message);
  }
}

/** A value cannot be stored (e.g. `undefined`, or the codec cannot encode it). */
export class InvalidValueError extends CacheError {
  /** @param message - what is wrong; @param options - `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super('CACHE_INVALID_VALUE', message, options);
  }
}

/** An encoded value exceeds `maxValueBytes` or the backend's cap. Raised before any store call. */
export class ValueTooLargeError extends CacheError {
  /** Size of the encoded (shaped) value in bytes. */
  readonly size: number;
  /** The limit it exceeded. */
  readonly limit: number;

  /**
   * @param key - the cache key
   * @param size - encoded size in bytes
   * @param limit - the limit that was exceeded
   */
  constructor(key: string, size: number, limit: number) {
    super(
      'CACHE_VALUE_TOO_LARGE',
      `value for key "${truncate(key)}" is ${size} bytes, over the limit of ${limit}`,
    );
    this.size = size;
    this.limit = limit;
  }
}

/** Invalid configuration (bad encryption key, bad table name, conflicting options, …). */
export class ConfigError extends CacheError {
  /** @param message - what is wrong; @param options - `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super('CACHE_INVALID_CONFIG', message, options);
  }
}

/** Stored bytes are truncated, corrupt, or not in a format this library wrote. */
export class CorruptPayloadError extends CacheError {
  /** @param message - what is wrong; @param options - `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super('CACHE_CORRUPT_PAYLOAD', message, options);
  }
}

/** An encrypted payload could not be authenticated: wrong key, tampered bytes, or copied from another cache key. */
export class DecryptionError extends CacheError {
  /** @param message - what failed; @param options - `cause` */
  constructor(message: string, options?: ErrorOptions) {
    super('CACHE_DECRYPTION_FAILED', message, options);
  }
}

/** `increment` found a value that is not a decimal integer, or the result left the safe integer range. */
export class NotNumericError extends CacheError {
  /** @param key - the key holding the non-numeric value */
  constructor(key: string, detail = 'does not hold a decimal integer') {
    super('CACHE_NOT_NUMERIC', `key "${truncate(key)}" ${detail}`);
  }
}

/**
 * A backend failed (connection refused, server error, …). Drivers wrap their
 * client's errors in this, keeping the original as `cause`.
 */
export class StoreError extends CacheError {
  /** Driver name (`'redis'`, …). */
  readonly driver: string;
  /** The store operation that failed. */
  readonly operation: string;

  /**
   * @param driver - the driver name
   * @param operation - the failed store operation
   * @param cause - the client's error
   */
  constructor(driver: string, operation: string, cause: unknown) {
    super('CACHE_STORE_ERROR', `${driver} ${operation} failed: ${describe(cause)}`, { cause });
    this.driver = driver;
    this.operation = operation;
  }
}

/** An operation was called on a store after `close()`. */
export class StoreClosedError extends CacheError {
  /** @param driver - the driver name */
  constructor(driver: string) {
    super('CACHE_STORE_CLOSED', `${driver} store is closed`);
  }
}

/**
 * An operation did not finish within its `timeout`.
 *
 * `maybeApplied` says what a timed-out write means: `true` when the write had been
 * handed to the store, so the backend may have applied it (or may still apply it);
 * `false` when nothing was sent, or the operation only reads.
 */
export class CacheTimeoutError extends CacheError {
  /** The deadline in ms. */
  readonly timeoutMs: number;
  /** Whether a write may have reached the backend before the deadline passed. */
  readonly maybeApplied: boolean;

  /**
   * @param operation - what timed out
   * @param timeoutMs - the deadline in ms
   * @param maybeApplied - whether a write may have been applied (default `false`)
   */
  constructor(operation: string, timeoutMs: number, maybeApplied = false) {
    super(
      'CACHE_TIMEOUT',
      `${operation} did not finish within ${timeoutMs} ms${maybeApplied ? ' (the write may have been applied)' : ''}`,
    );
    this.timeoutMs = timeoutMs;
    this.maybeApplied = maybeApplied;
  }
}

/**
 * The L2 circuit breaker of a cache with an L1 is open: after repeated store
 * failures the store is skipped for a while (reads are served by L1, then the
 * factory; writes go to L1 only). Raised where an answer needs the store.
 */
export class CircuitOpenError extends CacheError {
  /** When the breaker lets the next probe through (ms since epoch). */
  readonly retryAt: number;

  /** @param retryAt - when the next probe is let through; @param options - `cause`: the last store error */
  constructor(retryAt: number, options?: ErrorOptions) {
    super(
      'CACHE_CIRCUIT_OPEN',
      `the store is skipped after repeated failures (circuit open until ${new Date(retryAt).toISOString()})`,
      options,
    );
    this.retryAt = retryAt;
  }
}

/**
 * A read-through factory did not finish within `hardTimeout` and there was no
 * graced value to serve instead. With background completion (the default) the
 * factory keeps running and its result is cached when it completes.
 */
export class FactoryTimeoutError extends CacheError {
  /** The key being computed. */
  readonly key: string;
  /** The hard timeout in ms. */
  readonly timeoutMs: number;

  /**
   * @param key - the key being computed
   * @param timeoutMs - the hard timeout in ms
   */
  constructor(key: string, timeoutMs: number) {
    super(
      'CACHE_FACTORY_TIMEOUT',
      `factory for "${truncate(key)}" did not finish within hardTimeout (${timeoutMs} ms)`,
    );
    this.key = key;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A call was cancelled through its `AbortSignal`. `reason` (also the `cause`) is
 * the signal's reason; `name` is `'AbortError'`, as for the platform's own aborts.
 *
 * `maybeApplied` says what an aborted write means: `false` when the signal had
 * aborted before anything was sent, or the operation only reads; `true` when the
 * write had been handed to the store — the caller stopped waiting, but the backend
 * may have applied it (an aborted `increment` or `rateLimit` may have counted).
 */
export class CacheAbortError extends CacheError {
  /** The operation that was aborted. */
  readonly operation: string;
  /** The signal's reason. */
  readonly reason: unknown;
  /** Whether a write may have reached the backend before the abort. */
  readonly maybeApplied: boolean;

  /**
   * @param operation - the aborted operation
   * @param reason - the signal's reason
   * @param maybeApplied - whether a write may have been applied
   */
  constructor(operation: string, reason: unknown, maybeApplied: boolean) {
    super(
      'CACHE_ABORTED',
      `${operation} was aborted${maybeApplied ? ' after it was sent (the write may have been applied)' : ''}: ${describe(reason)}`,
      { cause: reason },
    );
    this.name = 'AbortError';
    this.operation = operation;
    this.reason = reason;
    this.maybeApplied = maybeApplied;
  }
}

/**
 * An argument of a call is not what the API takes: a factory that is not a
 * function, an options object whose `signal` is not an `AbortSignal`, a limit that
 * is not a positive integer, …
 */
export class InvalidArgumentError extends CacheError {
  /** @param message - what is wrong */
  constructor(message: string) {
    super('CACHE_INVALID_ARGUMENT', message);
  }
}

/** `lock()` could not acquire the lock before its timeout. */
export class LockTimeoutError extends CacheError {
  /**
   * @param key - the lock name
   * @param timeoutMs - how long it waited
   */
  constructor(key: string, timeoutMs: number) {
    super('CACHE_LOCK_TIMEOUT', `lock "${truncate(key)}" not acquired within ${timeoutMs} ms`);
  }
}

/**
 * An optimistic update lost its race too many times (e.g. a revision-checked
 * increment on a KV store under heavy contention).
 */
export class ConflictError extends CacheError {
  /** @param message - what conflicted */
  constructor(message: string) {
    super('CACHE_CONFLICT', message);
  }
}

function truncate(key: string): string {
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return cause.message || cause.name;
  return String(cause);
}
