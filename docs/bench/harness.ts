/**
 * A small benchmark harness: latency per operation for sync and sequential async
 * functions ({@link measure}), throughput with N operations in flight
 * ({@link measureConcurrent}), and an aligned plain-text table ({@link printTable}).
 *
 * Method: after a warm-up, each *round* times one batch of back-to-back calls with
 * `process.hrtime.bigint()`; a round's figure is its elapsed time divided by the batch
 * size. The report gives the median over rounds (robust against GC pauses and noisy
 * neighbours) and the 75th / 99th percentile over rounds as a spread. With the default
 * 30 rounds, "p99" is in effect the slowest round.
 *
 * @packageDocumentation
 */

import { cpus as listCpus } from 'node:os';

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** Calls per round. Default: calibrated so that one round takes about {@link MeasureOptions.roundMs}. */
  readonly batch?: number;
  /** Timed rounds. Default 30. */
  readonly rounds?: number;
  /** Least number of untimed batches run first, so the JIT has optimised the code under test. Default 5. */
  readonly warmup?: number;
  /** Least time spent warming up, in ms. Default 200. */
  readonly warmupMs?: number;
  /** Target duration of one round when `batch` is calibrated, in ms. Default 10. */
  readonly roundMs?: number;
}

/** Result of {@link measure}. */
export interface MeasureResult {
  /** The row's name. */
  readonly name: string;
  /** Median over rounds, ns per call. */
  readonly medianNs: number;
  /** 75th percentile over rounds, ns per call. */
  readonly p75Ns: number;
  /** 99th percentile over rounds (the slowest round for few rounds), ns per call. */
  readonly p99Ns: number;
  /** Fastest round, ns per call. */
  readonly minNs: number;
  /** Calls per second at the median. */
  readonly opsPerSec: number;
  /** Calls per round. */
  readonly batch: number;
  /** Timed rounds. */
  readonly rounds: number;
}

/** Options of {@link measureConcurrent}. */
export interface ConcurrentOptions {
  /** Operations kept in flight at once. */
  readonly inFlight: number;
  /** Operations in total (timed). */
  readonly total: number;
  /** Untimed operations run first with the same concurrency. Default `min(total, inFlight * 100)`. */
  readonly warmup?: number;
}

/** Result of {@link measureConcurrent}. */
export interface ConcurrentResult {
  /** The row's name. */
  readonly name: string;
  /** Completed operations per second of wall time. */
  readonly opsPerSec: number;
  /** Wall time of the timed run, ms. */
  readonly elapsedMs: number;
  /** Operations in flight. */
  readonly inFlight: number;
  /** Operations completed. */
  readonly total: number;
}

/** One row of {@link printTable}: column name → cell. */
export type TableRow = Readonly<Record<string, string | number>>;

type SyncLoop = (fn: () => unknown, count: number) => unknown;
type AsyncLoop = (fn: () => unknown, count: number) => Promise<unknown>;

/**
 * Keeps the last result of every loop reachable so the JIT cannot drop the call under
 * test as dead code.
 */
const sink: { last: unknown } = { last: undefined };

/**
 * A fresh copy of the timing loop for each benchmark. Every `new Function` compiles a
 * separate function with its own type feedback, so the call `fn()` inside stays
 * monomorphic (and inlinable) instead of turning megamorphic after the first few
 * benchmarks share one loop, which would add several ns to every row after the first.
 */
function freshSyncLoop(): SyncLoop {
  return new Function(
    'fn',
    'count',
    'let r; for (let i = 0; i < count; i++) r = fn(); return r;',
  ) as SyncLoop;
}

function freshAsyncLoop(): AsyncLoop {
  return new Function(
    'fn',
    'count',
    'return (async () => { let r; for (let i = 0; i < count; i++) r = await fn(); return r; })();',
  ) as AsyncLoop;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Runs `count` calls and returns the elapsed ns. */
async function timeBatch(
  loop: SyncLoop | AsyncLoop,
  isAsync: boolean,
  fn: () => unknown,
  count: number,
): Promise<number> {
  const start = process.hrtime.bigint();
  sink.last = isAsync ? await (loop as AsyncLoop)(fn, count) : (loop as SyncLoop)(fn, count);
  return Number(process.hrtime.bigint() - start);
}

/** Value at quantile `q` (0..1) of an ascending array, by linear interpolation. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const weight = position - lower;
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

/**
 * Measures `fn` per call. A function returning a promise is treated as async: each
 * call is awaited before the next starts (latency, not throughput).
 */
export async function measure(
  name: string,
  fn: () => unknown,
  options: MeasureOptions = {},
): Promise<MeasureResult> {
  const rounds = options.rounds ?? 30;
  const warmup = options.warmup ?? 5;
  const warmupMs = options.warmupMs ?? 200;
  const roundMs = options.roundMs ?? 10;
  const first = fn();
  const isAsync = isPromiseLike(first);
  if (isAsync) await first;
  const loop = isAsync ? freshAsyncLoop() : freshSyncLoop();

  // Warm-up doubles as calibration: keep running batches until the JIT has had
  // `warmupMs` and at least `warmup` batches, re-sizing the batch from each (ever warmer)
  // measurement so that a timed round lasts about `roundMs`.
  const calibrate = options.batch === undefined;
  let batch = options.batch ?? 16;
  const roundNs = roundMs * 1e6;
  const warmUntil = process.hrtime.bigint() + BigInt(Math.round(warmupMs * 1e6));
  for (let done = 0; done < warmup || process.hrtime.bigint() < warmUntil; done++) {
    const elapsed = await timeBatch(loop, isAsync, fn, batch);
    // Grow at most 16x per step: a tiny batch's timing is mostly timer overhead.
    if (calibrate)
      batch = Math.max(1, Math.min(batch * 16, Math.round((batch * roundNs) / Math.max(elapsed, 1))));
  }
  const perCall: number[] = [];
  for (let i = 0; i < rounds; i++) perCall.push((await timeBatch(loop, isAsync, fn, batch)) / batch);
  perCall.sort((a, b) => a - b);
  const medianNs = quantile(perCall, 0.5);
  return {
    name,
    medianNs,
    p75Ns: quantile(perCall, 0.75),
    p99Ns: quantile(perCall, 0.99),
    minNs: perCall[0]!,
    opsPerSec: 1e9 / medianNs,
    batch,
    rounds,
  };
}

/**
 * Throughput of `fn` with `inFlight` calls outstanding at any time (each worker
 * starts its next call when its previous one settles) until `total` calls completed.
 */
export async function measureConcurrent(
  name: string,
  fn: () => Promise<unknown>,
  options: ConcurrentOptions,
): Promise<ConcurrentResult> {
  const { inFlight, total } = options;
  if (!Number.isInteger(inFlight) || inFlight < 1)
    throw new RangeError('inFlight must be a positive integer');
  if (!Number.isInteger(total) || total < 1) throw new RangeError('total must be a positive integer');
  const run = async (count: number): Promise<void> => {
    let issued = 0;
    const worker = async (): Promise<void> => {
      while (issued < count) {
        issued++;
        sink.last = await fn();
      }
    };
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  };
  const warmup = options.warmup ?? Math.min(total, inFlight * 100);
  if (warmup > 0) await run(warmup);
  const start = process.hrtime.bigint();
  await run(total);
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return { name, opsPerSec: (total * 1e9) / elapsedNs, elapsedMs: elapsedNs / 1e6, inFlight, total };
}

/** Formats a number with thousands separators and `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** The standard row for a {@link MeasureResult}: median, p75, p99 (ns/op) and ops/s. */
export function resultRow(result: MeasureResult): Record<string, string> {
  return {
    operation: result.name,
    'median ns/op': formatNumber(result.medianNs, 1),
    'p75 ns/op': formatNumber(result.p75Ns, 1),
    'p99 ns/op': formatNumber(result.p99Ns, 1),
    'ops/s': formatNumber(result.opsPerSec),
  };
}

/** Whether a cell should be right-aligned: it reads as a number (with separators or a unit suffix). */
function isNumeric(cell: string): boolean {
  return /^[-+]?[\d,]*\.?\d+(\s?[a-zµ/%]+)?$/i.test(cell);
}

/**
 * Prints `rows` as an aligned plain-text table under `title`. Columns are the union of
 * the rows' keys in first-seen order; numeric cells are right-aligned.
 */
export function printTable(title: string, rows: readonly TableRow[]): void {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const rightAligned = columns.map((_, i) => {
    const filled = cells.map((line) => line[i]!).filter((cell) => cell !== '');
    return filled.length > 0 && filled.every(isNumeric);
  });
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) => (rightAligned[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const header = render(columns);
  const out = [
    '',
    title,
    '='.repeat(Math.max(title.length, header.length)),
    header,
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...cells.map(render),
    '',
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Context line for a report: Node version, platform, CPU. */
export function environmentLine(): string {
  const cpus = listCpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `node ${process.version} · ${process.platform}/${process.arch} · ${model} × ${cpus.length}`;
}
