import { abortableDelay, ConfigError, type Store } from '@cache/core';
import { StoreWrapper } from './store-wrapper.js';
import type { StoreCall, StoreOperationName } from './store-operation.js';

/** Options of {@link withLatency}. */
export interface LatencyOptions {
  /**
   * Delay in ms before each operation reaches the inner store: a number for every
   * data operation, or a function of the operation (return 0 for none). `close`
   * is never delayed by the number form.
   */
  readonly ms: number | ((op: StoreOperationName) => number);
}

/** A store that answers slowly: see {@link withLatency}. */
export class LatencyStore extends StoreWrapper {
  private readonly delayOf: (op: StoreOperationName) => number;

  /**
   * @param inner - the wrapped store
   * @param options - the delay
   */
  constructor(inner: Store, options: LatencyOptions) {
    super(inner);
    const { ms } = options;
    if (typeof ms === 'number') {
      if (!Number.isFinite(ms) || ms < 0)
        throw new ConfigError(`withLatency: ms must be a finite number >= 0, got ${ms}`);
      this.delayOf = (op) => (op === 'close' ? 0 : ms);
    } else if (typeof ms === 'function') {
      this.delayOf = ms;
    } else {
      throw new ConfigError('withLatency: ms must be a number or a function of the operation');
    }
  }

  /** Waits the configured delay (abortable through the caller's signal), then forwards. */
  protected override async around<T>(
    call: StoreCall,
    forward: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const ms = this.delayOf(call.op);
    if (ms > 0) await abortableDelay(ms, signal);
    return forward();
  }
}

/**
 * Wraps `store` so that every operation waits `ms` before it reaches it, as a
 * slow network would. An aborted `signal` ends the wait with `signal.reason`
 * and the operation never reaches the inner store. Used to test timeouts,
 * cancellation and the ordering of concurrent callers.
 *
 * @example
 * ```ts
 * const slow = withLatency(new MemoryStore(), { ms: (op) => (op === 'get' ? 200 : 0) });
 * ```
 */
export function withLatency(store: Store, options: LatencyOptions): LatencyStore {
  return new LatencyStore(store, options);
}
