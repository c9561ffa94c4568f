/**
 * Bounded set/get traffic through one store around a disruption (a killed primary, a
 * Sentinel failover), recording every call: what the Sentinel failover tests assert on.
 *
 * @packageDocumentation
 */
import type { Store } from '@cache/core';
import { pollUntil } from '../../src/outage.js';

/** One store call of the traffic. */
export interface TrafficCall {
  readonly op: 'set' | 'get';
  /** `performance.now()` at the start. */
  readonly start: number;
  readonly ms: number;
  /** The rejection, when it failed. */
  readonly error?: unknown;
  /** For a get: whether it returned what its worker had just set. */
  readonly matched?: boolean | undefined;
}

/** Limits of {@link trafficAround}. Every loop stops by itself. */
export interface TrafficOptions {
  /** Concurrent loops, so that calls are in flight at the disruption. Default 4. */
  readonly workers?: number;
  /** Successful calls before the disruption. Default 200. */
  readonly callsBefore?: number;
  /** Successful calls after recovery, then the traffic stops. Default 200. */
  readonly callsAfter?: number;
  /** At most this many calls in all. Default 20,000. */
  readonly maxCalls?: number;
  /** At most this long in all. Default 25 s. */
  readonly maxMs?: number;
}

/** What {@link trafficAround} observed. */
export interface TrafficReport {
  readonly calls: readonly TrafficCall[];
  /** When `disrupt` was called. */
  readonly disruptedAt: number;
  /** When `disrupt` resolved. */
  readonly disruptDoneAt: number;
  /** End of the first successful call started after `disrupt` resolved. */
  readonly recoveredAt: number | undefined;
  /** Successful calls started after `disrupt` resolved. */
  readonly successesAfter: number;
  /** The calls that failed. */
  readonly failures: readonly TrafficCall[];
}

/**
 * Runs `workers` loops of `set` then `get` (of the value just set) on keys of their
 * own; after `callsBefore` successes calls `disrupt` (traffic goes on meanwhile); stops
 * after `callsAfter` successes started once `disrupt` resolved, or at a limit.
 */
export async function trafficAround(
  store: Store,
  disrupt: () => Promise<void>,
  options: TrafficOptions = {},
): Promise<TrafficReport> {
  const workers = options.workers ?? 4;
  const callsBefore = options.callsBefore ?? 200;
  const callsAfter = options.callsAfter ?? 200;
  const maxCalls = options.maxCalls ?? 20_000;
  const end = performance.now() + (options.maxMs ?? 25_000);
  const encoder = new TextEncoder();
  const calls: TrafficCall[] = [];
  let successes = 0;
  let disruptedAt: number | undefined;
  let disruptDoneAt: number | undefined;
  let recoveredAt: number | undefined;
  let successesAfter = 0;

  /** Runs and records one call; `check` says whether its result is the expected one. */
  const timed = async <T>(op: TrafficCall['op'], run: () => Promise<T>, check?: (result: T) => boolean) => {
    const start = performance.now();
    try {
      const result = await run();
      successes++;
      if (disruptDoneAt !== undefined && start > disruptDoneAt) {
        recoveredAt ??= performance.now();
        successesAfter++;
      }
      calls.push({ op, start, ms: performance.now() - start, matched: check?.(result) });
      return true;
    } catch (error) {
      calls.push({ op, start, ms: performance.now() - start, error });
      return false;
    }
  };
  const running = (): boolean =>
    calls.length < maxCalls && performance.now() < end && successesAfter < callsAfter;

  const worker = async (id: number): Promise<void> => {
    for (let n = 0; running(); n++) {
      const key = `w${id}:${n % 20}`;
      const value = `${id}:${n}`;
      // A get follows each successful set and must read that write (one primary at a time).
      if (await timed('set', () => store.set(key, encoder.encode(value), 60_000))) {
        await timed(
          'get',
          () => store.get(key),
          (read) => Buffer.from(read ?? []).toString() === value,
        );
      }
      // Pacing, not synchronisation: during an outage calls are refused at once, and an
      // unpaced loop would spin through maxCalls in a fraction of a second.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };

  const disruptor = async (): Promise<void> => {
    await pollUntil(async () => successes >= callsBefore, 10_000);
    disruptedAt = performance.now();
    await disrupt();
    disruptDoneAt = performance.now();
  };

  await Promise.all([disruptor(), ...Array.from({ length: workers }, (_, id) => worker(id))]);
  return {
    calls,
    disruptedAt: disruptedAt as number,
    disruptDoneAt: disruptDoneAt as number,
    recoveredAt,
    successesAfter,
    failures: calls.filter((call) => call.error !== undefined),
  };
}

/** One line of measurements for the test log (times relative to the disruption). */
export function describeTraffic(label: string, report: TrafficReport, switchedAt?: number): string {
  const since = (at: number | undefined) =>
    at === undefined ? 'never' : `${Math.round(at - report.disruptedAt)} ms`;
  const durations = report.failures.map((call) => call.ms).sort((a, b) => a - b);
  const firstFailure =
    report.failures.length === 0
      ? undefined
      : Math.min(...report.failures.map((call) => call.start + call.ms));
  return (
    `[sentinel ${label}] ${report.calls.length} calls, ${report.failures.length} failed` +
    (durations.length === 0
      ? ''
      : `; first failure after ${since(firstFailure)}; failing calls settled in p50 ` +
        `${durations[Math.floor(durations.length / 2)]?.toFixed(1)} ms, max ${durations.at(-1)?.toFixed(1)} ms`) +
    `; Sentinels switched after ${since(switchedAt)}; first success after recovery ${since(report.recoveredAt)}`
  );
}
