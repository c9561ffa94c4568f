/**
 * Rows of a "driver vs raw client" table, shared by the networked benches: one
 * row per measurement with its figure, the ratio to the raw side, client CPU per
 * operation for throughput runs, and the issue's target where there is one.
 *
 * @packageDocumentation
 */

import { type ConcurrentResult, formatNumber, type MeasureResult, type TableRow } from './harness.js';

/** Options of a latency row. */
export interface LatencyRowOptions {
  /** Ratio to the raw side (driver time / raw time), when this row is compared. */
  readonly vsRaw?: number;
  /** Largest acceptable {@link LatencyRowOptions.vsRaw}, when the issue sets one. */
  readonly target?: number;
  /** Smallest acceptable speed relative to raw (raw time / driver time), when the issue states it so. */
  readonly atLeast?: number;
}

/** Options of a throughput row. */
export interface ThroughputRowOptions {
  /** The raw side's run, when this row is compared. */
  readonly reference?: ConcurrentResult;
  /** Largest acceptable slowdown (raw rate / driver rate), when the issue sets one. */
  readonly target?: number;
  /** Smallest acceptable rate relative to raw (driver rate / raw rate), when the issue states it so. */
  readonly atLeast?: number;
}

/** Row builders bound to one bench's CPU record and concurrency. */
export interface ComparisonRows {
  readonly latency: (result: MeasureResult, options?: LatencyRowOptions) => TableRow;
  readonly throughput: (result: ConcurrentResult, options?: ThroughputRowOptions) => TableRow;
}

const times = (value: number): string => `${formatNumber(value, 2)}×`;
const verdict = (within: boolean | undefined): string => (within === undefined ? '' : within ? 'ok' : 'over');

/**
 * @param cpuPerOp - client CPU per operation of a throughput result (see `createCpuThroughput`)
 * @param inFlight - calls in flight of the throughput runs, for the row names
 */
export function comparisonRows(
  cpuPerOp: (result: ConcurrentResult) => number,
  inFlight: number,
): ComparisonRows {
  return {
    latency(result, { vsRaw, target, atLeast } = {}) {
      if (vsRaw !== undefined && atLeast !== undefined) {
        // Stated as speed (raw time / driver time): print it that way too.
        return {
          measurement: `${result.name} · sequential p50`,
          value: `${formatNumber(result.medianNs / 1000, 1)} µs`,
          'vs raw': `${times(1 / vsRaw)} speed`,
          'client CPU/op': '',
          target: `≥ ${atLeast}× raw`,
          status: verdict(1 / vsRaw >= atLeast),
        };
      }
      const judged = vsRaw !== undefined && target !== undefined;
      return {
        measurement: `${result.name} · sequential p50`,
        value: `${formatNumber(result.medianNs / 1000, 1)} µs`,
        'vs raw': vsRaw === undefined ? '' : times(vsRaw),
        'client CPU/op': '',
        target: judged ? `≤ ${target}× raw` : '',
        status: verdict(judged ? vsRaw <= target : undefined),
      };
    },
    throughput(result, { reference, target, atLeast } = {}) {
      const cpu = cpuPerOp(result);
      const judged = reference !== undefined && target !== undefined;
      const rate = reference === undefined ? undefined : result.opsPerSec / reference.opsPerSec;
      return {
        measurement: `${result.name} · ${inFlight} in flight`,
        value: `${formatNumber(result.opsPerSec)} ops/s`,
        'vs raw': rate === undefined ? '' : `${times(rate)} rate`,
        'client CPU/op': `${formatNumber(cpu, 1)} µs${reference === undefined ? '' : ` (${times(cpu / cpuPerOp(reference))})`}`,
        target:
          rate !== undefined && atLeast !== undefined
            ? `≥ ${atLeast}× raw`
            : judged
              ? `≥ 1/${target} raw`
              : '',
        status: verdict(
          rate !== undefined && atLeast !== undefined
            ? rate >= atLeast
            : judged
              ? reference.opsPerSec / result.opsPerSec <= target
              : undefined,
        ),
      };
    },
  };
}
