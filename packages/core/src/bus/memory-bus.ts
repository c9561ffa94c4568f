import { StoreClosedError } from '../errors.js';
import type { Bus, BusListener, BusMessage, BusPublishOptions, BusSubscription } from './bus.js';
import { decodeBusMessage, encodeBusMessage } from './message-codec.js';

/**
 * An in-process {@link Bus}: several `Cache` instances in one process (tests, or an
 * application with several caches over one store) share one `MemoryBus`.
 *
 * Messages go through the binary format like on a real bus and are delivered
 * asynchronously (a microtask later), in publish order, to every subscriber —
 * the sender's own too; the tier ignores its own messages.
 */
export class MemoryBus implements Bus {
  /** Implementation name. */
  readonly name = 'memory';
  readonly #listeners = new Set<BusListener>();
  #closed = false;

  /** Number of active subscriptions. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  /** Delivers `message` to every subscriber, a microtask later. */
  publish(message: BusMessage, options?: BusPublishOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreClosedError('memory bus'));
    if (options?.signal?.aborted === true) return Promise.reject(options.signal.reason);
    const bytes = encodeBusMessage(message);
    const listeners = [...this.#listeners];
    queueMicrotask(() => {
      for (const listener of listeners) {
        if (!this.#listeners.has(listener)) continue;
        try {
          listener.message(decodeBusMessage(bytes));
        } catch {
          // A listener's failure is its own; the others still get the message.
        }
      }
    });
    return Promise.resolve();
  }

  /** Subscribes `listener`. */
  subscribe(listener: BusListener): Promise<BusSubscription> {
    if (this.#closed) return Promise.reject(new StoreClosedError('memory bus'));
    this.#listeners.add(listener);
    return Promise.resolve({
      unsubscribe: async () => {
        this.#listeners.delete(listener);
      },
    });
  }

  /** Simulates a connection loss and recovery, for tests of gap handling. */
  interrupt(): void {
    for (const listener of this.#listeners) listener.lost();
    queueMicrotask(() => {
      for (const listener of this.#listeners) listener.restored();
    });
  }

  /** Drops every subscription. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
  }
}
