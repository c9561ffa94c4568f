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
}

/** Options of a throughput row. */
export interface ThroughputRowOptions {
  /** The raw side's run, when this row is compared. */
  readonly reference?: ConcurrentResult;
  /** Largest acceptable slowdown (raw rate / driver rate), when the issue sets one. */
  readonly target?: number;
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
    latency(result, { vsRaw, target } = {}) {
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
    throughput(result, { reference, target } = {}) {
      const cpu = cpuPerOp(result);
      const judged = reference !== undefined && target !== undefined;
      return {
        measurement: `${result.name} · ${inFlight} in flight`,
        value: `${formatNumber(result.opsPerSec)} ops/s`,
        'vs raw': reference === undefined ? '' : `${times(result.opsPerSec / reference.opsPerSec)} rate`,
        'client CPU/op': `${formatNumber(cpu, 1)} µs${reference === undefined ? '' : ` (${times(cpu / cpuPerOp(reference))})`}`,
        target: judged ? `≥ 1/${target} raw` : '',
        status: verdict(judged ? reference.opsPerSec / result.opsPerSec <= target : undefined),
      };
    },
  };
}
