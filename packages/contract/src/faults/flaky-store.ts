import { ConfigError, type Store } from '@cache/core';
import { type ErrorFactory, injectedError } from './injected-error.js';
import { operationSet } from './operation-filter.js';
import { StoreWrapper } from './store-wrapper.js';
import { DATA_OPERATIONS, type StoreCall, type StoreOperationName } from './store-operation.js';

/** Options of {@link flakyStore}. */
export interface FlakyStoreOptions {
  /** Every `failEvery`-th matching call fails (the n-th, 2n-th, …). A positive integer; 1 fails all. */
  readonly failEvery: number;
  /** Operations that count and may fail. Default: every operation but `close`. */
  readonly operations?: readonly StoreOperationName[];
  /** The underlying error, as in {@link FailingStoreOptions.error}. */
  readonly error?: ErrorFactory;
}

/** A store that fails every n-th call: see {@link flakyStore}. */
export class FlakyStore extends StoreWrapper {
  /** Matching calls seen so far (failed or not). */
  calls = 0;
  /** Matching calls failed so far. */
  failures = 0;
  private readonly failEvery: number;
  private readonly operations: ReadonlySet<StoreOperationName>;
  private readonly error: ErrorFactory | undefined;

  /**
   * @param inner - the wrapped store
   * @param options - how often, which operations, what error
   */
  constructor(inner: Store, options: FlakyStoreOptions) {
    super(inner);
    if (!Number.isSafeInteger(options.failEvery) || options.failEvery < 1) {
      throw new ConfigError(`flakyStore: failEvery must be a positive integer, got ${options.failEvery}`);
    }
    this.failEvery = options.failEvery;
    this.operations = operationSet('flakyStore', options.operations, DATA_OPERATIONS);
    this.error = options.error;
  }

  /** Counts matching calls and rejects every n-th one without reaching the inner store. */
  protected override async around<T>(call: StoreCall, forward: () => Promise<T>): Promise<T> {
    if (this.operations.has(call.op)) {
      this.calls++;
      if (this.calls % this.failEvery === 0) {
        this.failures++;
        throw injectedError(this.name, call.op, this.error);
      }
    }
    return forward();
  }
}

/**
 * Wraps `store` so that every `failEvery`-th matching call rejects with a
 * `StoreError`. Deterministic (a counter, not randomness), so a failing test
 * fails the same way every run. Calls start counting at 1 when the wrapper is
 * created: with `failEvery: 3` the 3rd, 6th, 9th … calls fail.
 */
export function flakyStore(store: Store, options: FlakyStoreOptions): FlakyStore {
  return new FlakyStore(store, options);
}
