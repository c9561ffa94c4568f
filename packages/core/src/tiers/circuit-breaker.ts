import { CircuitOpenError } from '../errors.js';

/** State of a `CircuitBreaker` (the L2 circuit breaker, see {@link CacheOptions.circuitBreaker}). */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Whether `error` is a store outage (as opposed to bad input, or the caller giving up). */
export function isOutage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'CACHE_STORE_ERROR' || code === 'CACHE_TIMEOUT' || code === 'CACHE_CIRCUIT_OPEN';
}

/**
 * The L2 circuit breaker: after `threshold` consecutive store outages (typed
 * `StoreError` or `CacheTimeoutError`), the store is skipped for `openMs`; then
 * one call is let through as a probe — success closes the circuit, failure opens it
 * again. While open, calls fail at once with {@link CircuitOpenError}, so a dead
 * store costs no timeouts.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #onChange: (state: CircuitState, cause: unknown) => void;
  #state: CircuitState = 'closed';
  #failures = 0;
  #retryAt = 0;
  #lastError: unknown;

  /**
   * @param threshold - consecutive outages that open the circuit
   * @param openMs - how long it stays open before a probe
   * @param onChange - told when the circuit opens and closes
   */
  constructor(threshold: number, openMs: number, onChange: (state: CircuitState, cause: unknown) => void) {
    this.#threshold = threshold;
    this.#openMs = openMs;
    this.#onChange = onChange;
  }

  /** The state now (an open circuit whose time is up reads as half-open). */
  get state(): CircuitState {
    return this.#state === 'open' && Date.now() >= this.#retryAt ? 'half-open' : this.#state;
  }

  /** Whether a call would be refused right now. */
  get refusing(): boolean {
    return this.#state === 'open' && Date.now() < this.#retryAt;
  }

  /** Runs one store call through the breaker. */
  run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#state === 'open') {
      if (Date.now() < this.#retryAt) {
        return Promise.reject(new CircuitOpenError(this.#retryAt, { cause: this.#lastError }));
      }
      this.#state = 'half-open';
    } else if (this.#state === 'half-open') {
      // One probe at a time.
      return Promise.reject(new CircuitOpenError(this.#retryAt, { cause: this.#lastError }));
    }
    let promise: Promise<T>;
    try {
      promise = call();
    } catch (error) {
      return Promise.reject(error);
    }
    return promise.then(
      (value) => {
        this.#succeeded();
        return value;
      },
      (error: unknown) => {
        this.#failed(error);
        throw error;
      },
    );
  }

  #succeeded(): void {
    this.#failures = 0;
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#onChange('closed', undefined);
    }
  }

  #failed(error: unknown): void {
    if (!isOutage(error)) {
      // Not the store's fault: a probe that got an answer proves the store is back.
      if (this.#state === 'half-open') this.#succeeded();
      return;
    }
    this.#lastError = error;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#threshold) {
      const wasOpen = this.#state !== 'closed';
      this.#state = 'open';
      this.#retryAt = Date.now() + this.#openMs;
      if (!wasOpen) this.#onChange('open', error);
    }
  }
}
