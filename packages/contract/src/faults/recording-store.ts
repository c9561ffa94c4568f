import type { Store } from '@cache/core';
import { StoreWrapper } from './store-wrapper.js';
import type { StoreCall, StoreOperationName } from './store-operation.js';

/** A store that records every call: see {@link recordingStore}. */
export class RecordingStore extends StoreWrapper {
  /** Every call received, in order, recorded before it is forwarded (failed calls included). */
  readonly calls: StoreCall[] = [];

  /** The recorded calls of one operation. */
  callsOf(op: StoreOperationName): StoreCall[] {
    return this.calls.filter((call) => call.op === op);
  }

  /** Forgets the calls recorded so far. */
  reset(): void {
    this.calls.length = 0;
  }

  /** Records the call, then forwards it. */
  protected override async around<T>(call: StoreCall, forward: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    return forward();
  }
}

/**
 * Wraps `store` and records every call as `{ op, key?, keys?, ttl?, ttls? }`, so
 * a test can assert how the facade used the store (e.g. "one read and one write").
 *
 * @example
 * ```ts
 * const store = recordingStore(new MapStore());
 * const cache = new Cache({ store });
 * await cache.remember('k', '1m', () => 1);
 * expect(store.calls.map((c) => c.op)).toEqual(['get', 'set']);
 * ```
 */
export function recordingStore(store: Store): RecordingStore {
  return new RecordingStore(store);
}
