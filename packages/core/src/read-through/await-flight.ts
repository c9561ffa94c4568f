import type { DecodedEntry } from '../entry/entry-codec.js';
import { FactoryTimeoutError } from '../errors.js';
import type { Flight } from './flights.js';
import type { ResolvedReadThrough } from './options.js';

/** How a read-through call was answered. */
export type ReadOutcome = 'hit' | 'miss' | 'stale';

/** A read-through answer. */
export interface Answer {
  readonly value: unknown;
  readonly outcome: ReadOutcome;
  /** Set when a stale value was served because the factory failed or timed out (a fail-safe activation). */
  readonly failSafe?: boolean;
  /** Set when the wait was cut short by a timeout. */
  readonly timeout?: 'soft' | 'hard';
  /** The tier that answered a hit (`'l1'`; otherwise the store). */
  readonly tier?: 'l1' | 'l2';
}

/**
 * Waits for `flight` on behalf of one caller, applying the timeouts:
 *
 * - `softTimeout` (only with a stale value): past it, the stale value is served
 *   and the flight keeps running (pinned, so its result lands in the cache);
 * - `hardTimeout`: past it, the stale value if there is one (a fail-safe
 *   activation), otherwise {@link FactoryTimeoutError}; the flight is pinned with
 *   background completion, or left (aborted if nobody else waits) without;
 * - a factory error: the stale value if there is one (fail-safe), otherwise the
 *   error itself, unchanged.
 */
export function awaitFlight(
  flight: Flight<unknown>,
  key: string,
  stale: DecodedEntry | undefined,
  options: ResolvedReadThrough,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  flight.join(signal);
  const soft = stale !== undefined ? options.softTimeoutMs : 0;
  const hard = options.hardTimeoutMs;
  if (soft === 0 && hard === 0) {
    return flight.promise.then(
      (value) => ({ value, outcome: 'miss' }),
      (error: unknown) => {
        if (stale === undefined || signal?.aborted === true) throw error;
        return { value: stale.value, outcome: 'stale', failSafe: true };
      },
    );
  }
  return new Promise<Answer>((resolve, reject) => {
    let done = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const finish = (answer: Answer | undefined, error?: unknown): void => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      if (answer !== undefined) resolve(answer);
      else reject(error);
    };
    const stopWaiting = (): void => {
      if (options.backgroundCompletion) flight.pin();
      else flight.leave();
    };
    if (soft > 0 && (hard === 0 || soft < hard)) {
      timers.push(
        setTimeout(() => {
          if (done) return;
          flight.pin(); // the result must still land: that is what a soft timeout promises
          finish({ value: (stale as DecodedEntry).value, outcome: 'stale', timeout: 'soft' });
        }, soft),
      );
    }
    if (hard > 0) {
      timers.push(
        setTimeout(() => {
          if (done) return;
          stopWaiting();
          if (stale !== undefined)
            finish({ value: stale.value, outcome: 'stale', failSafe: true, timeout: 'hard' });
          else finish(undefined, new FactoryTimeoutError(key, hard));
        }, hard),
      );
    }
    flight.promise.then(
      (value) => finish({ value, outcome: 'miss' }),
      (error: unknown) => {
        if (stale === undefined || signal?.aborted === true) finish(undefined, error);
        else finish({ value: stale.value, outcome: 'stale', failSafe: true });
      },
    );
  });
}
