import type { Store, StoreCapabilities, StoreEntry, StoreOperationOptions } from '../store.js';
import { isOutage } from '../tiers/circuit-breaker.js';
import { type StoreCallContext, tracing } from './channels.js';
import type { StatsCounters } from './stats.js';

/**
 * The cache's view of its store (L2): every call is forwarded as it is, counted
 * in `storeErrors` when the store fails (an outage or a timeout, not a caller's
 * abort or a bad value), and traced on `cache:store` while someone subscribes.
 * Without a subscriber a call costs one extra promise reaction (the error count).
 * In-process by-reference reads never come through here (they are not store calls).
 */
export class InstrumentedStore implements Store {
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  readonly #inner: Store;
  readonly #stats: StatsCounters;
  readonly #cache: string;
  readonly #failed: (error: unknown) => never;

  /**
   * @param inner - the store
   * @param stats - where failures are counted
   * @param cache - the cache's name, for trace contexts
   */
  constructor(inner: Store, stats: StatsCounters, cache: string) {
    this.#inner = inner;
    this.#stats = stats;
    this.#cache = cache;
    this.name = inner.name;
    this.capabilities = inner.capabilities;
    this.#failed = (error: unknown): never => {
      if (isOutage(error)) this.#stats.storeErrors++;
      throw error;
    };
  }

  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.#run('get', key, undefined, () => this.#inner.get(key, options));
  }

  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.#run('getMany', undefined, keys.length, () => this.#inner.getMany(keys, options));
  }

  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.#run('set', key, undefined, () => this.#inner.set(key, value, ttl, options));
  }

  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.#run('setMany', undefined, entries.length, () => this.#inner.setMany(entries, options));
  }

  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.#run('add', key, undefined, () => this.#inner.add(key, value, ttl, options));
  }

  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.#run('increment', key, undefined, () => this.#inner.increment(key, delta, ttl, options));
  }

  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.#run('delete', key, undefined, () => this.#inner.delete(key, options));
  }

  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.#run('deleteMany', undefined, keys.length, () => this.#inner.deleteMany(keys, options));
  }

  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.#run('deleteIfEquals', key, undefined, () =>
      this.#inner.deleteIfEquals(key, expected, options),
    );
  }

  flush(options?: StoreOperationOptions): Promise<void> {
    return this.#run('flush', undefined, undefined, () => this.#inner.flush(options));
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #run<T>(
    operation: string,
    key: string | undefined,
    batchSize: number | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    const channel = tracing.store;
    let promise: Promise<T>;
    if (channel.hasSubscribers) {
      const context: StoreCallContext = { operation, cache: this.#cache, store: this.name, key, batchSize };
      promise = channel.tracePromise(call, context);
    } else {
      promise = call();
    }
    return promise.catch(this.#failed);
  }
}
