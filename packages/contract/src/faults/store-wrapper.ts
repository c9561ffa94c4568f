import type { Store, StoreCapabilities, StoreEntry, StoreOperationOptions } from '@cache/core';
import type { StoreCall } from './store-operation.js';

/**
 * Base of the fault-injection wrappers: forwards every Store method to `inner`
 * through one interception point, {@link StoreWrapper.around}.
 *
 * It reports the inner store's `name` and `capabilities`, but deliberately
 * implements only the byte interface, never the optional by-reference one: a
 * `Cache` over a wrapper always goes through the byte path, so every read and
 * write is visible to (and can be broken by) the wrapper.
 */
export abstract class StoreWrapper implements Store {
  /** @param inner - the store every call is forwarded to */
  constructor(readonly inner: Store) {}

  /** The inner store's name, so observers still report the real driver. */
  get name(): string {
    return this.inner.name;
  }

  /** The inner store's capabilities. */
  get capabilities(): StoreCapabilities {
    return this.inner.capabilities;
  }

  /**
   * Runs one call. Implementations delay, fail, count or record, and call
   * `forward` to reach the inner store.
   *
   * @param call - which operation, with its key(s) and TTL
   * @param forward - performs the call on the inner store
   * @param signal - the caller's abort signal, if any
   */
  protected abstract around<T>(
    call: StoreCall,
    forward: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T>;

  /** {@inheritDoc "@cache/core"!Store.get} */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.around({ op: 'get', key }, () => this.inner.get(key, options), options?.signal);
  }

  /** {@inheritDoc "@cache/core"!Store.getMany} */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.around(
      { op: 'getMany', keys: [...keys] },
      () => this.inner.getMany(keys, options),
      options?.signal,
    );
  }

  /** {@inheritDoc "@cache/core"!Store.set} */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.around(
      { op: 'set', key, ttl },
      () => this.inner.set(key, value, ttl, options),
      options?.signal,
    );
  }

  /** {@inheritDoc "@cache/core"!Store.setMany} */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    const call: StoreCall = {
      op: 'setMany',
      keys: entries.map((e) => e.key),
      ttls: entries.map((e) => e.ttl),
    };
    return this.around(call, () => this.inner.setMany(entries, options), options?.signal);
  }

  /** {@inheritDoc "@cache/core"!Store.add} */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.around(
      { op: 'add', key, ttl },
      () => this.inner.add(key, value, ttl, options),
      options?.signal,
    );
  }

  /** {@inheritDoc "@cache/core"!Store.increment} */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.around(
      { op: 'increment', key, ttl },
      () => this.inner.increment(key, delta, ttl, options),
      options?.signal,
    );
  }

  /** {@inheritDoc "@cache/core"!Store.delete} */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.around({ op: 'delete', key }, () => this.inner.delete(key, options), options?.signal);
  }

  /** {@inheritDoc "@cache/core"!Store.deleteMany} */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.around(
      { op: 'deleteMany', keys: [...keys] },
      () => this.inner.deleteMany(keys, options),
      options?.signal,
    );
  }

  /** {@inheritDoc "@cache/core"!Store.deleteIfEquals} */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.around(
      { op: 'deleteIfEquals', key },
      () => this.inner.deleteIfEquals(key, expected, options),
      options?.signal,
    );
  }

  /** {@inheritDoc "@cache/core"!Store.flush} */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.around({ op: 'flush' }, () => this.inner.flush(options), options?.signal);
  }

  /** Closes the inner store: the wrapper stands in for it. */
  close(): Promise<void> {
    return this.around({ op: 'close' }, () => this.inner.close(), undefined);
  }
}
