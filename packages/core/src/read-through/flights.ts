/**
 * One computation of a key in this process, shared by every caller that wants it.
 *
 * Waiters may leave (their signal aborted, or they gave up at a hard timeout
 * without background completion); the work's own signal aborts only when every
 * waiter has left and nothing pinned the flight. A background refresh, or a
 * caller that stopped waiting on a soft/hard timeout with background completion
 * on, *pins* the flight: it then runs to completion and its result is cached.
 */
export class Flight<V> {
  readonly promise: Promise<V>;
  readonly #controller = new AbortController();
  #waiters = 0;
  #pinned = false;

  /** @param work - the computation; receives the flight's signal */
  constructor(work: (signal: AbortSignal) => Promise<V>) {
    this.promise = Promise.resolve().then(() => work(this.#controller.signal));
    // A flight nobody awaits any more (everyone timed out) must not surface as unhandled.
    this.promise.catch(() => undefined);
  }

  /** The signal the work receives. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /**
   * Registers a waiter. One with a signal leaves when the signal aborts; any waiter
   * may also leave by calling {@link Flight.leave} (a hard timeout without
   * background completion).
   */
  join(signal: AbortSignal | undefined): void {
    this.#waiters++;
    if (signal === undefined) return;
    if (signal.aborted) {
      this.leave(signal.reason);
      return;
    }
    signal.addEventListener('abort', () => this.leave(signal.reason), { once: true });
  }

  /** A waiter stops waiting; the last one to leave an unpinned flight aborts its work. */
  leave(reason?: unknown): void {
    this.#waiters--;
    if (this.#waiters <= 0 && !this.#pinned) this.#controller.abort(reason);
  }

  /** Makes the flight run to completion whoever waits (background completion, refreshes). */
  pin(): void {
    this.#pinned = true;
  }
}

/**
 * The flights of one cache, by key: while a flight for a key runs, later callers
 * join it instead of starting another. Nothing is remembered once it settles.
 */
export class Flights<V> {
  readonly #flights = new Map<string, Flight<V>>();

  /** Number of flights in progress. */
  get size(): number {
    return this.#flights.size;
  }

  /** The flight of `key`, if one runs. */
  get(key: string): Flight<V> | undefined {
    return this.#flights.get(key);
  }

  /** The running flight of `key`, or a new one running `work`. */
  start(key: string, work: (signal: AbortSignal) => Promise<V>): Flight<V> {
    const running = this.#flights.get(key);
    if (running !== undefined) return running;
    const flight = new Flight(work);
    this.#flights.set(key, flight);
    const done = (): void => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    };
    flight.promise.then(done, done);
    return flight;
  }
}
