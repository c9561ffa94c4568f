/**
 * Combines concurrent `increment` calls on one key within one store, so that a
 * burst of N increments costs one compare-and-swap round instead of N racing
 * ones (which would cost up to N²/2 attempts under contention).
 *
 * While one batch for a key is being applied, later calls queue; when it is
 * done, everything queued is applied as the next batch. A batch is applied
 * atomically (one CAS write of the final sum) and each caller receives the
 * value after its own delta, in arrival order, which is exactly the result of
 * running the calls one after another: every caller's call was in progress at
 * the moment of the write, so this is linearizable. Across processes, batches
 * still race through CAS, which stays correct (no lost update) and cheap
 * because each process has at most one attempt in flight per key.
 */

/** One queued `increment` call. */
export interface PendingIncrement {
  /** Signed integer delta. */
  readonly delta: number;
  /** TTL in ms for the counter after this call. */
  readonly ttl: number;
}

/** The outcome of one call in a batch: its new value, or why it failed. */
export type IncrementOutcome =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly error: unknown };

/** Applies a batch atomically; resolves one outcome per call, in order. */
export type ApplyIncrements = (
  key: string,
  batch: readonly PendingIncrement[],
) => Promise<IncrementOutcome[]>;

interface Waiter extends PendingIncrement {
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: number) => void;
  readonly reject: (error: unknown) => void;
}

/** Per-key queue of increments; see the module comment. */
export class IncrementCombiner {
  private readonly queues = new Map<string, Waiter[]>();

  /** @param apply - writes one batch (the store's CAS loop) */
  constructor(private readonly apply: ApplyIncrements) {}

  /** Queues one increment and resolves its new value. */
  submit(key: string, delta: number, ttl: number, signal: AbortSignal | undefined): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { delta, ttl, signal, resolve, reject };
      const queue = this.queues.get(key);
      if (queue !== undefined) {
        queue.push(waiter);
        return;
      }
      this.queues.set(key, [waiter]);
      void this.drain(key);
    });
  }

  private async drain(key: string): Promise<void> {
    // Let every call made in the same tick join the first batch.
    await Promise.resolve();
    for (;;) {
      const queue = this.queues.get(key);
      if (queue === undefined || queue.length === 0) {
        this.queues.delete(key);
        return;
      }
      // Empty the queue but keep it registered: calls arriving meanwhile wait for the next batch.
      const batch = queue.splice(0).filter((waiter) => {
        if (waiter.signal?.aborted !== true) return true;
        waiter.reject(waiter.signal.reason);
        return false;
      });
      if (batch.length === 0) continue;
      try {
        const outcomes = await this.apply(key, batch);
        batch.forEach((waiter, i) => {
          const outcome = outcomes[i];
          if (outcome === undefined) waiter.reject(new Error('increment batch returned no outcome'));
          else if (outcome.ok) waiter.resolve(outcome.value);
          else waiter.reject(outcome.error);
        });
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
  }
}
