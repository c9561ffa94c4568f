import type { Store, StoreCapabilities, StoreEntry } from '../store.js';

/**
 * Caching disabled: every read misses and every write is dropped. Useful to turn
 * caching off by configuration without touching application code.
 *
 * Null semantics: `add` resolves `true` (as if it wrote), `increment` resolves
 * `delta` (as if from 0, since nothing is kept), `deleteIfEquals` resolves `false`.
 * So with a `NullStore` every `tryLock` succeeds and every `rateLimit` call is
 * allowed: nothing is shared, because nothing is stored.
 */
export class NullStore implements Store {
  /** Driver name. */
  readonly name = 'null';
  /** Nothing is shared or kept. */
  readonly capabilities: StoreCapabilities = { shared: false, durable: false, ttlResolutionMs: 1 };

  /** Always a miss. */
  get(_key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(undefined);
  }
  /** All misses. */
  getMany(keys: readonly string[]): Promise<(Uint8Array | undefined)[]> {
    return Promise.resolve(keys.map(() => undefined));
  }
  /** Dropped. */
  set(_key: string, _value: Uint8Array, _ttl: number): Promise<void> {
    return Promise.resolve();
  }
  /** Dropped. */
  setMany(_entries: readonly StoreEntry[]): Promise<void> {
    return Promise.resolve();
  }
  /** Dropped, reported as written. */
  add(_key: string, _value: Uint8Array, _ttl: number): Promise<boolean> {
    return Promise.resolve(true);
  }
  /** `delta`, as if the key started at 0. */
  increment(_key: string, delta: number, _ttl: number): Promise<number> {
    return Promise.resolve(delta);
  }
  /** No-op. */
  delete(_key: string): Promise<void> {
    return Promise.resolve();
  }
  /** No-op. */
  deleteMany(_keys: readonly string[]): Promise<void> {
    return Promise.resolve();
  }
  /** Nothing to delete. */
  deleteIfEquals(_key: string, _expected: Uint8Array): Promise<boolean> {
    return Promise.resolve(false);
  }
  /** No-op. */
  flush(): Promise<void> {
    return Promise.resolve();
  }
  /** No-op. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
