/**
 * Comparisons that stay meaningful on a small, shared machine, whose speed drifts
 * during a run: load changes between two long runs, but between two adjacent short
 * slices it mostly does not. So every comparison here measures raw and driver close
 * together and compares like with like.
 *
 * - {@link interleave}: sequential latency of several rows in short slices, rotating
 *   the order each slice; {@link pairedRatio} is the median of per-slice ratios.
 * - {@link CpuThroughput.pairRates}: throughput of raw and driver alternately,
 *   three times each, keeping each side's middle result.
 * - {@link createCpuThroughput}: throughput that also records the client CPU each
 *   operation cost this process (steadier than wall-clock rate under noisy neighbours).
 *
 * @packageDocumentation
 */

import { type ConcurrentResult, type MeasureResult, measure, measureConcurrent } from './harness.js';

/**
 * One row of a comparison: its name and the call it times (a call returning a
 * promise is awaited before the next starts).
 */
export type Row = readonly [name: string, fn: () => unknown];

/** A row whose call is asynchronous (what throughput runs need). */
export type AsyncRow = readonly [name: string, fn: () => Promise<unknown>];

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Result of {@link interleave}: per row, the summary over slices and each slice's ns/op. */
export interface Interleaved {
  readonly results: MeasureResult[];
  readonly slices: number[][];
}

/** Options of {@link interleave}. */
export interface InterleaveOptions {
  /** Number of slices. Default 40. */
  readonly slices?: number;
  /** Timed rounds per row per slice. Default 1. */
  readonly roundsPerSlice?: number;
  /** Target duration of one round when calibrating each row's batch, in ms. Default 10. */
  readonly roundMs?: number;
}

/**
 * Sequential latency of each row, measured in interleaved slices (the order rotates
 * each slice). A row's median is over its slices; p75/p99 are the slices' spread.
 */
export async function interleave(
  rows: readonly Row[],
  options: InterleaveOptions = {},
): Promise<Interleaved> {
  const { slices = 40, roundsPerSlice = 1, roundMs = 10 } = options;
  // Warm up and calibrate each row's batch once.
  const batches: number[] = [];
  for (const [name, fn] of rows) batches.push((await measure(name, fn, { rounds: 3, roundMs })).batch);
  const perSlice: MeasureResult[][] = rows.map(() => []);
  for (let slice = 0; slice < slices; slice++) {
    for (let j = 0; j < rows.length; j++) {
      const index = (j + slice) % rows.length;
      const [name, fn] = rows[index] as Row;
      const result = await measure(name, fn, {
        batch: batches[index],
        rounds: roundsPerSlice,
        warmup: 1,
        warmupMs: 0,
      });
      (perSlice[index] as MeasureResult[]).push(result);
    }
  }
  const results = perSlice.map((list, index): MeasureResult => {
    const sorted = list.map((r) => r.medianNs).sort((a, b) => a - b);
    const mid = median(sorted);
    return {
      name: (rows[index] as Row)[0],
      medianNs: mid,
      p75Ns: sorted[Math.floor((sorted.length - 1) * 0.75)] as number,
      p99Ns: sorted[sorted.length - 1] as number,
      minNs: sorted[0] as number,
      opsPerSec: 1e9 / mid,
      batch: batches[index] as number,
      rounds: slices * roundsPerSlice,
    };
  });
  return { results, slices: perSlice.map((list) => list.map((r) => r.medianNs)) };
}

/** Median over slices of row `a`'s time divided by row `b`'s in the same slice. */
export function pairedRatio(group: Interleaved, a: number, b: number): number {
  const over = group.slices[b] as number[];
  return median((group.slices[a] as number[]).map((ns, slice) => ns / (over[slice] as number)));
}

/** Median of three results by `key`. */
function middle<T>(results: readonly T[], key: (result: T) => number): T {
  return [...results].sort((a, b) => key(a) - key(b))[1] as T;
}

/**
 * Measures `raw` and `driver` alternately, three times each, and keeps each side's
 * middle result: drift on a shared machine then hits both sides alike.
 */
async function pair<T>(
  run: (name: string, fn: () => Promise<unknown>) => Promise<T>,
  key: (result: T) => number,
  raw: AsyncRow,
  driver: AsyncRow,
): Promise<[T, T]> {
  const raws: T[] = [];
  const drivers: T[] = [];
  for (let i = 0; i < 3; i++) {
    raws.push(await run(...raw));
    drivers.push(await run(...driver));
  }
  return [middle(raws, key), middle(drivers, key)];
}

/** What {@link createCpuThroughput} returns. */
export interface CpuThroughput {
  /** Runs `fn` with the configured number in flight and records its CPU per op. */
  readonly throughput: (name: string, fn: () => Promise<unknown>) => Promise<ConcurrentResult>;
  /** Throughput of `raw` and `driver`, by {@link pair}. */
  readonly pairRates: (raw: AsyncRow, driver: AsyncRow) => Promise<[ConcurrentResult, ConcurrentResult]>;
  /** Client CPU (user + system µs) per operation of a result `throughput` returned. */
  readonly cpuPerOp: (result: ConcurrentResult) => number;
}

/**
 * Throughput runs (`inFlight` calls in flight, `total` timed calls after
 * `inFlight × warmupPerLane` untimed ones) that also record the client CPU
 * (user + system µs) per operation: on a shared machine the wall-clock rate swings
 * with the neighbours' load, the CPU a call costs this process much less, so it
 * shows the driver's own overhead more reliably.
 */
export function createCpuThroughput(
  inFlight: number,
  total: number,
  { warmupPerLane = 50 }: { readonly warmupPerLane?: number } = {},
): CpuThroughput {
  const perOp = new Map<ConcurrentResult, number>();
  const warmup = inFlight * warmupPerLane;
  const throughput = async (name: string, fn: () => Promise<unknown>): Promise<ConcurrentResult> => {
    const before = process.cpuUsage();
    const result = await measureConcurrent(name, fn, { inFlight, total, warmup });
    const used = process.cpuUsage(before);
    perOp.set(result, (used.user + used.system) / (total + warmup));
    return result;
  };
  return {
    throughput,
    pairRates: (raw, driver) => pair(throughput, (result) => result.opsPerSec, raw, driver),
    cpuPerOp: (result) => perOp.get(result) ?? Number.NaN,
  };
}
