import { randomUUID } from 'node:crypto';
import { bytesEqual, utf8 } from '../bytes.js';
import { type Duration, toPositiveMilliseconds } from '../duration.js';
import type { Store } from '../store.js';

/**
 * A held lock. Its token proves ownership: {@link Lock.release} deletes the lock
 * only while it still holds this token (compare-and-delete), so releasing after the
 * lock expired never frees a lock someone else acquired since.
 *
 * The lock lives under an internal key (see `keyspace/internal-keys.ts`) that no
 * user key can address: `set('lock:x')` neither blocks nor breaks `tryLock('x')`.
 */
export class Lock {
  /** The lock name (as passed to `tryLock`). */
  readonly key: string;
  /** Random owner token stored as the lock's value. */
  readonly token: string;
  readonly #store: Store;
  readonly #storeKey: string;
  #released = false;

  /** @internal */
  constructor(store: Store, storeKey: string, key: string, token: string) {
    this.#store = store;
    this.#storeKey = storeKey;
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
    const deleted = await this.#store.deleteIfEquals(this.#storeKey, utf8(this.token));
    this.#released = true;
    return deleted;
  }

  /**
   * Gives the lock a new TTL of `ttl` from now, if this handle still owns it.
   * Resolves `true` when the lock is held for `ttl` more, `false` when it had
   * already expired or was taken by someone else (stop the protected work then).
   *
   * The Store contract has no atomic "change the TTL if the value equals", so this
   * reads the lock and, when it still holds this handle's token, writes the token
   * again with the new TTL. The lock is never free in between (a compare-and-delete
   * followed by an `add` would leave a window in which another owner could take
   * it); the only race left is a lock that expired *while* this runs — which means
   * the extension came too late anyway. Extend well before the TTL runs out (say at
   * a third of it).
   *
   * @throws `InvalidTtlError` for a ttl that is not a positive duration.
   */
  async extend(ttl: Duration): Promise<boolean> {
    const ttlMs = toPositiveMilliseconds(ttl, 'ttl');
    if (this.#released) return false;
    const token = utf8(this.token);
    const held = await this.#store.get(this.#storeKey);
    if (held === undefined || !bytesEqual(held, token)) return false;
    await this.#store.set(this.#storeKey, token, ttlMs);
    return true;
  }
}

/**
 * One attempt to acquire the lock stored at `storeKey` (named `name` for the caller)
 * for `ttl` ms: an atomic `add` of a fresh token.
 */
export async function acquireLock(
  store: Store,
  storeKey: string,
  name: string,
  ttl: number,
  signal: AbortSignal | undefined,
): Promise<Lock | undefined> {
  const token = randomUUID();
  const acquired = await store.add(storeKey, utf8(token), ttl, signal === undefined ? undefined : { signal });
  return acquired ? new Lock(store, storeKey, name, token) : undefined;
}
