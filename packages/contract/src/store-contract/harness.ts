import type { Store, StoreCapabilities } from '@cache/core';
import { uniquePrefix } from '../support/prefix.js';
import type { ContractStoreFactory } from './options.js';

/**
 * Creates the stores one test uses and tears them down afterwards.
 *
 * Every store gets a fresh prefix unless the test asks for a specific one (a
 * neighbour, or a second client on the same prefix), and every store is
 * flushed (best effort, its own prefix only) and closed after the test, so the
 * suite leaves nothing behind on a shared server.
 */
export class StoreHarness {
  private readonly opened: Store[] = [];

  /**
   * @param factory - the driver's factory
   * @param overrides - capability overrides from the suite options
   */
  constructor(
    private readonly factory: ContractStoreFactory,
    private readonly overrides: Partial<StoreCapabilities> | undefined,
  ) {}

  /** A fresh random prefix. */
  prefix(): string {
    return uniquePrefix();
  }

  /** A new store on `prefix` (a fresh one by default), closed after the test. */
  async open(prefix: string = uniquePrefix()): Promise<Store> {
    const store = await this.factory({ prefix });
    this.opened.push(store);
    return store;
  }

  /** The store's capabilities with the suite's overrides applied. */
  capabilities(store: Store): StoreCapabilities {
    return { ...store.capabilities, ...this.overrides };
  }

  /**
   * Flushes (best effort: a closed or broken store may refuse) and closes every
   * store of the test. A failing `close` fails the test: close must be
   * idempotent and must not throw.
   */
  async cleanup(): Promise<void> {
    const stores = this.opened.splice(0);
    for (const store of stores) {
      try {
        await store.flush();
      } catch {
        // The test may have closed it already, or the check was about a broken store.
      }
    }
    const results = await Promise.allSettled(stores.map((store) => store.close()));
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      throw new AggregateError(
        failures.map((f) => f.reason),
        `${failures.length} store(s) failed to close`,
      );
    }
  }
}
