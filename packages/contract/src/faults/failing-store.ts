import type { Store } from '@cache/core';
import { type ErrorFactory, injectedError } from './injected-error.js';
import { operationSet } from './operation-filter.js';
import { StoreWrapper } from './store-wrapper.js';
import { DATA_OPERATIONS, type StoreCall, type StoreOperationName } from './store-operation.js';

/** Options of {@link failingStore}. */
export interface FailingStoreOptions {
  /** Operations that fail. Default: every operation but `close`. */
  readonly operations?: readonly StoreOperationName[];
  /**
   * The underlying error (default `Error('injected store failure')`); it becomes
   * the `cause` of the `StoreError` the call rejects with, unless it is one already.
   */
  readonly error?: ErrorFactory;
}

/** A store whose matching operations reject: see {@link failingStore}. */
export class FailingStore extends StoreWrapper {
  /** Whether failures are injected now. Set to `false` to simulate recovery. */
  failing = true;
  /** How many calls were failed so far. */
  failures = 0;
  private readonly operations: ReadonlySet<StoreOperationName>;
  private readonly error: ErrorFactory | undefined;

  /**
   * @param inner - the wrapped store
   * @param options - which operations fail and with what
   */
  constructor(inner: Store, options: FailingStoreOptions = {}) {
    super(inner);
    this.operations = operationSet('failingStore', options.operations, DATA_OPERATIONS);
    this.error = options.error;
  }

  /** Rejects matching calls without reaching the inner store; forwards the rest. */
  protected override async around<T>(call: StoreCall, forward: () => Promise<T>): Promise<T> {
    if (this.failing && this.operations.has(call.op)) {
      this.failures++;
      throw injectedError(this.name, call.op, this.error);
    }
    return forward();
  }
}

/**
 * Wraps `store` so that every matching operation rejects with a `StoreError`
 * (the way a driver reports a backend that is down), without reaching the inner
 * store: a failed write writes nothing. Flip `failing` to `false` to let calls
 * through again and test recovery.
 *
 * @example
 * ```ts
 * const down = failingStore(store, { operations: ['get', 'getMany'] });
 * await expect(cache.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR' });
 * ```
 */
export function failingStore(store: Store, options?: FailingStoreOptions): FailingStore {
  return new FailingStore(store, options);
}
