import { toPositiveMilliseconds } from '../duration.js';
import { CacheAbortError, CacheTimeoutError, InvalidTtlError, LockTimeoutError } from '../errors.js';
import { acquireLock, type Lock } from '../helpers/lock.js';
import { internalKey } from '../keyspace/internal-keys.js';
import { abortableDelay, assertOperationOptions, withDeadline } from '../signal.js';
import { NO_EXPIRY, type Store } from '../store.js';
import type { LockOptions } from './options.js';

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const MAX_LOCK_RETRY_DELAY_MS = 250;

/** A lock's TTL: finite, since `'forever'` would never free a crashed owner. */
export function lockTtl(ttlMs: number): number {
  if (ttlMs === NO_EXPIRY) {
    throw new InvalidTtlError("a lock needs a finite ttl ('forever' would never free a crashed owner)");
  }
  return ttlMs;
}

/** One attempt at the lock named `name`. */
export function tryLockOnce(
  store: Store,
  name: string,
  ttlMs: number,
  signal: AbortSignal | undefined,
): Promise<Lock | undefined> {
  return acquireLock(store, internalKey('lock', name), name, lockTtl(ttlMs), signal);
}

/**
 * Waits for the lock named `name`, retrying with jittered exponential backoff
 * until `options.timeout` (default 10 s, then {@link LockTimeoutError}) or until
 * `options.signal` aborts ({@link CacheAbortError}).
 */
export async function waitForLock(
  store: Store,
  name: string,
  ttlMs: number,
  options: LockOptions | undefined,
): Promise<Lock> {
  assertOperationOptions(options);
  lockTtl(ttlMs);
  const timeoutMs =
    options?.timeout === undefined
      ? DEFAULT_LOCK_TIMEOUT_MS
      : toPositiveMilliseconds(options.timeout, 'timeout');
  let delay =
    options?.retryDelay === undefined ? 10 : toPositiveMilliseconds(options.retryDelay, 'retryDelay');
  const signal = options?.signal;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new CacheAbortError('lock', signal.reason, false);
    const lock = await withDeadline(
      'lock',
      { signal, timeout: Math.max(1, deadline - Date.now()) },
      undefined,
      (s) => tryLockOnce(store, name, ttlMs, s),
      true,
    ).catch((error: unknown) => {
      // One attempt outliving the overall deadline is just a failed attempt.
      if (error instanceof CacheTimeoutError) return undefined;
      throw error;
    });
    if (lock !== undefined) return lock;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new LockTimeoutError(name, timeoutMs);
    const jittered = delay / 2 + Math.random() * (delay / 2);
    await abortableDelay(Math.min(jittered, remaining), signal).catch((reason: unknown) => {
      throw new CacheAbortError('lock', reason, false);
    });
    delay = Math.min(delay * 2, MAX_LOCK_RETRY_DELAY_MS);
  }
}

/** Runs `fn` while holding the lock named `name`, releasing it afterwards (also when `fn` throws). */
export async function runWithLock<R>(
  store: Store,
  name: string,
  ttlMs: number,
  fn: (lock: Lock) => R | Promise<R>,
  options: LockOptions | undefined,
): Promise<R> {
  const lock = await waitForLock(store, name, ttlMs, options);
  let result: R;
  try {
    result = await fn(lock);
  } catch (error) {
    await lock.release().catch(() => undefined);
    throw error;
  }
  await lock.release();
  return result;
}
