/**
 * Runs tasks for the same key one after another within this process.
 *
 * Why: `increment` is an optimistic read-modify-write. Across processes, a lost
 * race is retried; but many concurrent increments of one key *inside* one
 * process would otherwise all race each other, so n callers cost O(n²)
 * attempts and could exhaust the retry budget. Queuing them locally leaves
 * only cross-process races to the revision check.
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task queued under `key` has settled. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key);
    const result = previous === undefined ? task() : previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    // Forget the key once nothing is queued behind this task, so the map stays small.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
