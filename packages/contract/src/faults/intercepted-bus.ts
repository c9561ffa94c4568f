import type { Bus, BusListener, BusMessage, BusPublishOptions, BusSubscription } from '@cache/core';

/** Decides whether one delivery to this subscriber is dropped. */
export type DeliveryFilter = (message: BusMessage, delivery: number) => boolean;

/**
 * A {@link Bus} wrapper for gap tests: it can drop deliveries to its own
 * subscribers (a lost pub/sub message) and simulate a lost and restored
 * connection, over any real bus. Publishing goes to the inner bus unchanged.
 */
export class InterceptedBus implements Bus {
  readonly name: string;
  readonly #inner: Bus;
  readonly #listeners = new Set<BusListener>();
  /** Deliveries to drop: return `true` to drop. Default: none. */
  drop: DeliveryFilter = () => false;
  #deliveries = 0;
  /** Messages dropped so far. */
  dropped = 0;

  /** @param inner - the real bus */
  constructor(inner: Bus) {
    this.#inner = inner;
    this.name = `intercepted(${inner.name})`;
  }

  publish(message: BusMessage, options?: BusPublishOptions): Promise<void> {
    return this.#inner.publish(message, options);
  }

  async subscribe(listener: BusListener): Promise<BusSubscription> {
    this.#listeners.add(listener);
    const inner = await this.#inner.subscribe({
      message: (message) => {
        this.#deliveries++;
        if (this.drop(message, this.#deliveries)) {
          this.dropped++;
          return;
        }
        listener.message(message);
      },
      lost: () => listener.lost(),
      restored: () => listener.restored(),
    });
    return {
      unsubscribe: async () => {
        this.#listeners.delete(listener);
        await inner.unsubscribe();
      },
    };
  }

  /** Tells every subscriber the connection was lost (messages may be missed from now on). */
  loseConnection(): void {
    for (const listener of this.#listeners) listener.lost();
  }

  /** Tells every subscriber the connection is back. */
  restoreConnection(): void {
    for (const listener of this.#listeners) listener.restored();
  }

  /** Closes nothing: the inner bus belongs to the test. */
  async close(): Promise<void> {}
}

/** Wraps `bus` in an {@link InterceptedBus}. */
export function interceptBus(bus: Bus): InterceptedBus {
  return new InterceptedBus(bus);
}
