import { waitUntil } from './abort.js';

/**
 * An in-process FIFO mutex per key. The file lock alone would be correct for
 * callers in one process too, but they would then all poll the lock file with
 * backoff; queueing them here first means only one caller per process ever
 * contends for a key's lock file, and the others are woken the moment it is done.
 */
export class KeyedMutex {
  /** Per key: a promise that settles when the last queued holder releases. */
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Waits for every earlier holder of `key`, then resolves a release function
   * (which must be called exactly once). Rejects with `onTimeout()` once
   * `deadline` (a `performance.now()` instant) passes, or with `signal.reason`.
   */
  async lock(
    key: string,
    deadline: number,
    onTimeout: () => Error,
    signal?: AbortSignal,
  ): Promise<() => void> {
    const previous = this.tails.get(key);
    let settle!: () => void;
    const mine = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const tail = previous === undefined ? mine : previous.then(() => mine);
    this.tails.set(key, tail);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      settle();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
    if (previous !== undefined) {
      try {
        await waitUntil(previous, deadline, onTimeout, signal);
      } catch (error) {
        // Give our turn away as soon as it comes, so callers queued behind us are not stuck.
        void previous.then(release);
        throw error;
      }
    }
    return release;
  }

  /** A release function when nobody holds or waits for `key`, else `undefined`. Never waits. */
  tryLock(key: string): (() => void) | undefined {
    if (this.tails.has(key)) return undefined;
    let settle!: () => void;
    const tail = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.tails.set(key, tail);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      settle();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }

  /** Number of keys currently held or waited for (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}
