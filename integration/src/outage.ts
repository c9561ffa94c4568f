/**
 * What the fault suites (`fault-recovery.ts`, `test/support/connection-kill-suite.ts`)
 * accept from a call during an outage, how they poll for recovery, and how they catch
 * what escapes every caller.
 *
 * @packageDocumentation
 */

/** Error codes a call may fail with during an outage: the driver's `StoreError` or the facade's deadline. */
export const OUTAGE_CODES: string[] = ['CACHE_STORE_ERROR', 'CACHE_TIMEOUT'];

/** Slack on top of a deadline for timer and scheduling jitter on a loaded 2-core machine. */
export const JITTER_MS = 500;

/**
 * Records unhandled rejections and uncaught exceptions while started: an outage
 * must surface only through the calls' own promises (e.g. pg reports a killed idle
 * client as the pool's `error` event, which crashes the process when unheard).
 */
export class EscapedErrors {
  /** What escaped since {@link EscapedErrors.start}. */
  readonly reasons: unknown[] = [];
  readonly #record = (reason: unknown): void => {
    this.reasons.push(reason);
  };

  /** Starts listening on `process`. */
  start(): void {
    process.on('unhandledRejection', this.#record);
    process.on('uncaughtException', this.#record);
  }

  /** Stops listening. */
  stop(): void {
    process.off('unhandledRejection', this.#record);
    process.off('uncaughtException', this.#record);
  }
}

/** The `code` of an error-like value (`CACHE_STORE_ERROR`, …), or `undefined`. */
export function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Retries `attempt` (errors count as "not yet") until it returns true; fails after `ms`. */
export async function pollUntil(attempt: () => Promise<boolean>, ms: number): Promise<void> {
  await pollValue(async () => ((await attempt()) ? true : undefined), ms);
}

/** Retries `attempt` (errors count as "not yet") until it returns a value; fails after `ms`. */
export async function pollValue<T>(attempt: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = performance.now() + ms;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`not recovered within ${ms} ms (last error: ${String(last)})`);
}
