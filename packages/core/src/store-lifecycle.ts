import { ConfigError, StoreClosedError } from './errors.js';

/**
 * The close semantics every driver shares, in one place:
 *
 * - calls made after `close()` started reject at once with {@link StoreClosedError}
 *   (nothing is sent);
 * - `close()` resolves only after every call that was in flight has settled
 *   (completed, or failed with its own error), and only then releases the store's
 *   resources, exactly once;
 * - `close()` is idempotent: later calls return the same promise.
 *
 * Tracking costs one counter update and one promise reaction per call; the
 * caller's promise is returned as it is (no extra `await` layer).
 */
export class StoreLifecycle {
  readonly #driver: string;
  #inFlight = 0;
  #closing: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  readonly #settled = (): void => {
    if (--this.#inFlight === 0 && this.#drained !== undefined) this.#drained();
  };

  /** @param driver - the driver name used in {@link StoreClosedError} */
  constructor(driver: string) {
    this.#driver = driver;
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Calls started and not yet settled. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Throws {@link StoreClosedError} once `close()` has been called. */
  assertOpen(): void {
    if (this.#closing !== undefined) throw new StoreClosedError(this.#driver);
  }

  /**
   * Runs one store call: rejects with {@link StoreClosedError} after `close()`,
   * otherwise starts `operation` and counts it until it settles. A synchronous
   * throw of `operation` becomes a rejection.
   */
  run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#closing !== undefined) return Promise.reject(new StoreClosedError(this.#driver));
    let promise: Promise<T>;
    try {
      promise = operation();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#inFlight++;
    promise.then(this.#settled, this.#settled);
    return promise;
  }

  /**
   * Starts closing (idempotent): new calls are refused at once, then, once every
   * call in flight has settled, `release` runs (once). Resolves when it has.
   */
  close(release: () => Promise<void> | void): Promise<void> {
    if (this.#closing === undefined) {
      const drained =
        this.#inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              this.#drained = resolve;
            });
      this.#closing = drained.then(() => release());
    }
    return this.#closing;
  }
}

/**
 * Throws {@link ConfigError} when `options` uses an option name that was renamed,
 * saying what it is called now; a renamed option silently ignored would be worse.
 *
 * @param options - the options object the caller passed
 * @param renamed - old name → new name
 * @param driver - for the message (`'RedisStore'`)
 */
export function assertNoRenamedOptions(
  options: object | undefined,
  renamed: Readonly<Record<string, string>>,
  driver: string,
): void {
  if (options === undefined || options === null) return;
  for (const [old, now] of Object.entries(renamed)) {
    if (Object.hasOwn(options, old)) {
      throw new ConfigError(`${driver} option "${old}" is now called "${now}"`);
    }
  }
}
