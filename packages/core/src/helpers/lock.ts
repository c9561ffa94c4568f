import { randomUUID } from 'node:crypto';
import { utf8 } from '../bytes.js';
import type { Store } from '../store.js';

/** Store key under which the lock named `name` lives. */
export function lockKey(name: string): string {
  return `lock:${name}`;
}

/**
 * A held lock. Its token proves ownership: {@link Lock.release} deletes the lock
 * only while it still holds this token (compare-and-delete), so releasing after the
 * lock expired never frees a lock someone else acquired since.
 */
export class Lock {
  /** The lock name (as passed to `tryLock`). */
  readonly key: string;
  /** Random owner token stored as the lock's value. */
  readonly token: string;
  readonly #store: Store;
  #released = false;

  /** @internal */
  constructor(store: Store, key: string, token: string) {
    this.#store = store;
    this.key = key;
    this.token = token;
  }

  /** Whether `release()` already ran successfully. */
  get released(): boolean {
    return this.#released;
  }

  /**
   * Releases the lock if this handle still owns it. Resolves `true` when it deleted
   * the lock, `false` when the lock had expired or belongs to someone else.
   */
  async release(): Promise<boolean> {
    if (this.#released) return false;
    const deleted = await this.#store.deleteIfEquals(lockKey(this.key), utf8(this.token));
    this.#released = true;
    return deleted;
  }
}

/** One attempt to acquire `name` for `ttl` ms: an atomic `add` of a fresh token. */
export async function acquireLock(
  store: Store,
  name: string,
  ttl: number,
  signal: AbortSignal | undefined,
): Promise<Lock | undefined> {
  const token = randomUUID();
  const acquired = await store.add(
    lockKey(name),
    utf8(token),
    ttl,
    signal === undefined ? undefined : { signal },
  );
  return acquired ? new Lock(store, name, token) : undefined;
}
