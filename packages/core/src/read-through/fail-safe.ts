/**
 * The fail-safe throttle (`graceBackoff`): after the factory of a key failed and a
 * graced value was served instead, further calls serve that value without calling
 * the factory again until the backoff ends. Five calls during an outage cost one
 * factory call, not five.
 *
 * Per process and in memory: a map of key → end of backoff, bounded (the oldest
 * activations are forgotten first), checked lazily — no timers.
 */
export class FailSafeThrottle {
  readonly #until = new Map<string, number>();
  readonly #maxKeys: number;

  /** @param maxKeys - most keys remembered at once (default 10,000) */
  constructor(maxKeys = 10_000) {
    this.#maxKeys = maxKeys;
  }

  /** Whether `key` is inside a backoff at `now`. */
  active(key: string, now: number): boolean {
    const until = this.#until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#until.delete(key);
    return false;
  }

  /** Starts a backoff of `ms` for `key`. */
  activate(key: string, now: number, ms: number): void {
    if (ms <= 0) return;
    this.#until.delete(key);
    if (this.#until.size >= this.#maxKeys) {
      const oldest = this.#until.keys().next();
      if (oldest.done !== true) this.#until.delete(oldest.value);
    }
    this.#until.set(key, now + ms);
  }

  /** Ends the backoff of `key` (a fresh value was written). */
  clear(key: string): void {
    this.#until.delete(key);
  }
}
