/**
 * The shape of the peer suite's results (what each workload's child process sends,
 * what `results/peers.json` holds and `charts.ts` draws), and the few statistics
 * every workload reports them with.
 *
 * @packageDocumentation
 */

/** The libraries compared; `optimum` is a reference bound (Bélády), not a library. */
export type LibraryId = 'cache' | 'bentocache' | 'cache-manager' | 'optimum';

/** One library's figure for one measure. */
export interface Figure {
  readonly library: LibraryId;
  /** A non-default configuration of the library, in words (e.g. "serialize: false"). */
  readonly variant?: string;
  /** The headline figure (a median, or the one value of a deterministic measure). */
  readonly value: number;
  /** Lower end of the range the measure states in {@link Measure.range}. */
  readonly low: number;
  /** Upper end of that range. */
  readonly high: number;
  /** This library's figure over ours, measured in the same slices or rounds (a paired ratio). */
  readonly vsOurs?: number;
}

/** One measurement taken of every library (a group of bars in a chart). */
export interface Measure {
  readonly id: string;
  /** Short label: a table row's name, and a chart group's unless {@link Measure.group} is given. */
  readonly label: string;
  /** A chart group's name, when it differs from the label (the panel already says the unit). */
  readonly group?: string;
  readonly unit: string;
  readonly better: 'lower' | 'higher';
  /** What {@link Figure.low}–{@link Figure.high} span, e.g. "p25–p75 of 40 slices". */
  readonly range: string;
  readonly figures: readonly Figure[];
}

/** What one workload's child process reports. */
export interface WorkloadResult {
  readonly id: string;
  readonly title: string;
  /** How each library was configured, in words. */
  readonly setup: Readonly<Partial<Record<LibraryId, string>>>;
  readonly measures: readonly Measure[];
  /** Observations that qualify the figures (what a peer does differently). */
  readonly notes: readonly string[];
  readonly seconds: number;
}

/** The whole of `results/peers.json`. */
export interface PeersReport {
  readonly generatedAt: string;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGiB: number;
    /** The 1, 5 and 15 min load averages when the run ended (text: one line in the JSON). */
    readonly loadAverage: string;
    readonly summary: string;
  };
  readonly versions: Readonly<Record<string, string>>;
  readonly redis: string;
  readonly workloads: readonly WorkloadResult[];
  readonly seconds: number;
}

/** Value at quantile `q` (0..1) of a non-empty list, by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const weight = position - lower;
  return (sorted[lower] as number) * (1 - weight) + (sorted[Math.ceil(position)] as number) * weight;
}

/** Median, and the interquartile range as the range: for many noisy samples (slices). */
export function interquartile(library: LibraryId, samples: readonly number[], vsOurs?: number): Figure {
  return {
    library,
    value: quantile(samples, 0.5),
    low: quantile(samples, 0.25),
    high: quantile(samples, 0.75),
    ...(vsOurs === undefined ? {} : { vsOurs }),
  };
}

/** Median, and min–max as the range: for a few repetitions (rounds). */
export function spread(library: LibraryId, samples: readonly number[], vsOurs?: number): Figure {
  return {
    library,
    value: quantile(samples, 0.5),
    low: Math.min(...samples),
    high: Math.max(...samples),
    ...(vsOurs === undefined ? {} : { vsOurs }),
  };
}

/** Median of per-round ratios `a[i] / b[i]` (rounds measured back to back). */
export function pairedMedian(a: readonly number[], b: readonly number[]): number {
  return quantile(
    a.map((value, i) => value / (b[i] as number)),
    0.5,
  );
}

/** What a workload's child process is given: the Redis server to use and a key prefix of its own. */
export interface WorkloadContext {
  readonly url: string;
  readonly prefix: string;
}

/** Display names. */
export const LABELS: Readonly<Record<LibraryId, string>> = {
  cache: '@cache',
  bentocache: 'BentoCache',
  'cache-manager': 'cache-manager',
  optimum: 'optimum (Bélády)',
};

/** A figure's display name: its library, and its variant if any. */
export function figureName(figure: Figure): string {
  return figure.variant === undefined
    ? LABELS[figure.library]
    : `${LABELS[figure.library]} (${figure.variant})`;
}

/** A number with about three significant digits and thousands separators. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
