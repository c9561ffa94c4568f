/**
 * Group commit for `increment`. Every increment is a read-modify-write under the
 * key's lock file, and the lock round trip (create, read, write, rename, unlink)
 * dominates its cost. Increments of one key that arrive in this process while an
 * earlier one waits for the lock join a batch; the batch takes the lock once,
 * applies its deltas in arrival order, and writes once. Each caller still gets
 * its own intermediate result, exactly as if the increments had run one after
 * another under the lock, so atomicity across processes is unchanged.
 */

/** One caller's increment waiting in a batch. */
export class PendingIncrement {
  private settled = false;
  private readonly onAbort: (() => void) | undefined;

  /**
   * @param delta - signed integer delta
   * @param ttl - store-level TTL of this call
   * @param resolveCaller - resolves the caller's promise
   * @param rejectCaller - rejects the caller's promise
   * @param signal - the caller's abort signal: aborting rejects at once and drops the increment if not yet applied
   */
  constructor(
    readonly delta: number,
    readonly ttl: number,
    private readonly resolveCaller: (value: number) => void,
    private readonly rejectCaller: (error: unknown) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (signal !== undefined) {
      this.onAbort = () => this.fail(signal.reason);
      signal.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** Whether the caller has already been answered (or has given up). */
  get done(): boolean {
    return this.settled;
  }

  /** Answers the caller with the counter's value after this increment. */
  succeed(value: number): void {
    if (this.settle()) this.resolveCaller(value);
  }

  /** Rejects the caller. */
  fail(error: unknown): void {
    if (this.settle()) this.rejectCaller(error);
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.onAbort !== undefined) this.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }
}

/**
 * Applies one batch. Called once per batch; it must call `seal()` after taking the
 * key's lock (no increment joins the batch after that) and then answer every
 * increment `seal()` returned. Anything it throws rejects the increments still
 * unanswered.
 */
export type ApplyIncrements = (key: string, seal: () => readonly PendingIncrement[]) => Promise<void>;

/** Collects concurrent increments of one key into batches. */
export class IncrementBatcher {
  /** Per key: the batch still accepting increments (its lock not yet taken). */
  private readonly open = new Map<string, PendingIncrement[]>();

  /** @param apply - takes the lock, applies and writes one batch */
  constructor(private readonly apply: ApplyIncrements) {}

  /** Queues an increment; resolves the counter's value after it. */
  submit(key: string, delta: number, ttl: number, signal?: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const pending = new PendingIncrement(delta, ttl, resolve, reject, signal);
      const joined = this.open.get(key);
      if (joined !== undefined) {
        joined.push(pending);
        return;
      }
      const batch = [pending];
      this.open.set(key, batch);
      const close = (): void => {
        if (this.open.get(key) === batch) this.open.delete(key);
      };
      const seal = (): readonly PendingIncrement[] => {
        close();
        return batch.filter((item) => !item.done);
      };
      this.apply(key, seal).then(
        () => {
          close();
          // A correct `apply` answered everything it sealed; never leave a caller hanging.
          for (const item of batch) item.fail(new Error('increment was not applied'));
        },
        (error: unknown) => {
          close();
          for (const item of batch) item.fail(error);
        },
      );
    });
  }
}
