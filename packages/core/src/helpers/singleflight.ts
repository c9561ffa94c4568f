interface Flight<V> {
  readonly promise: Promise<V>;
  readonly controller: AbortController;
  /** Waiters that can still leave (those with a signal); the flight stops only when all such waiters left and no others joined. */
  waiters: number;
  /** A waiter without a signal joined: the flight must run to completion. */
  pinned: boolean;
}

/**
 * Deduplicates concurrent work per key inside one process: while a flight for a
 * key is running, later callers join it instead of starting another. The work's
 * result or error reaches every waiter; nothing is remembered once it settles.
 *
 * A waiter that passes a signal may leave early; the work itself receives a
 * signal that aborts only when every waiter has left.
 */
export class SingleFlight<V> {
  readonly #flights = new Map<string, Flight<V>>();

  /** Number of flights in progress. */
  get size(): number {
    return this.#flights.size;
  }

  /** Whether a flight for `key` is running. */
  has(key: string): boolean {
    return this.#flights.has(key);
  }

  /** Joins the flight for `key`, starting `work` when none is running. */
  run(key: string, signal: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<V>): Promise<V> {
    let flight = this.#flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const promise = Promise.resolve()
        .then(() => work(controller.signal))
        .finally(() => {
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
        });
      flight = { promise, controller, waiters: 0, pinned: false };
      this.#flights.set(key, flight);
    }
    if (signal === undefined) {
      flight.pinned = true;
      return flight.promise;
    }
    const joined = flight;
    joined.waiters++;
    signal.addEventListener(
      'abort',
      () => {
        joined.waiters--;
        if (joined.waiters === 0 && !joined.pinned) joined.controller.abort(signal.reason);
      },
      { once: true },
    );
    return joined.promise;
  }
}
