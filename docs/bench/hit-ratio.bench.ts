/**
 * Hit-ratio benchmark of the memory store's eviction policies: generated traces
 * replayed, in the same run, against `MemoryStore` with `policy: 'lru'` and with its
 * default W-TinyLFU, against lru-cache, and against Bélády's offline optimum (the
 * bound no online policy reaches).
 *
 * Each request is a cache-aside read: a hit, or a miss followed by a write of the
 * key, through the by-reference interface the `Cache` facade uses (`peekValue`,
 * `putValue`). Traces are generated from fixed seeds (`hit-ratio-traces.ts`), so the
 * figures are the same on every run and machine; only the run time varies.
 *
 * Run with `pnpm --filter @cache/docs bench hit-ratio`.
 *
 * @packageDocumentation
 */

import { MISS } from '@cache/core';
import { type EvictionPolicyName, MemoryStore } from '@cache/memory';
import { LRUCache } from 'lru-cache';
import { formatNumber, printTable, type TableRow } from './harness.js';
import { beladyHits, loopTrace, recencyTrace, withScan, zipfTrace } from './hit-ratio-traces.js';

/** Keys of the Zipf traces (the issue: 1M keys, caches at 0.1 % and 1 % of them). */
const KEYS = 1_000_000;
/** Requests per Zipf trace: 1,000× the small cache, 100× the large one; ratios move < 0.2 points beyond. */
const REQUESTS = 1_000_000;
/** Passes of the loop traces. */
const LOOP_PASSES = 20;
const CAPACITIES = [KEYS / 1_000, KEYS / 100];

/** Key strings, built once: ids of the Zipf key space, then of the scans. */
const keyNames: string[] = [];
const keyOf = (id: number): string => {
  for (let i = keyNames.length; i <= id; i++) keyNames.push(`key:${i}`);
  return keyNames[id]!;
};

/**
 * Values of the sized workload: 7 lengths from 16 to 1,024 characters, by key. The
 * store counts a string as 24 + 2 bytes per character, plus 2 per key character; so
 * does lru-cache's `sizeCalculation` here.
 */
const SIZED_VALUES = Array.from({ length: 7 }, (_, i) => 'v'.repeat(16 << i));
const sizedValue = (id: number): string => SIZED_VALUES[id % SIZED_VALUES.length]!;
const sizeOfEntry = (key: string, value: string): number => 24 + 2 * value.length + 2 * key.length;
/** Mean entry size of the sized workload's values (keys of ~10 characters). */
const MEAN_SIZED_ENTRY =
  SIZED_VALUES.reduce((sum, v) => sum + sizeOfEntry('key:123456', v), 0) / SIZED_VALUES.length;

/** One trace to replay, and which of its requests count towards the ratio. */
interface Workload {
  readonly name: string;
  readonly capacity: number;
  readonly trace: Int32Array;
  /** Counted requests (default: all). */
  readonly counted?: (index: number) => boolean;
  /** Bound the caches by bytes (`capacity` mean-sized entries) instead of entries; no optimum then. */
  readonly sized?: boolean;
}

/** Hits of each request under one policy. */
type Replay = (trace: Int32Array, capacity: number, sized: boolean) => Uint8Array;

const replayStore =
  (policy: EvictionPolicyName): Replay =>
  (trace, capacity, sized) => {
    const store = new MemoryStore(
      sized
        ? {
            maxBytes: Math.round(capacity * MEAN_SIZED_ENTRY),
            maxEntries: 10 * capacity,
            policy,
            pruneInterval: 0,
          }
        : { maxEntries: capacity, policy, pruneInterval: 0 },
    );
    const hits = new Uint8Array(trace.length);
    for (let i = 0; i < trace.length; i++) {
      const id = trace[i]!;
      const key = keyOf(id);
      if (store.peekValue(key) !== MISS) hits[i] = 1;
      else store.putValue(key, sized ? sizedValue(id) : id, 0);
    }
    void store.close();
    return hits;
  };

const replayLruCache: Replay = (trace, capacity, sized) => {
  const cache = sized
    ? new LRUCache<string, number | string>({
        maxSize: Math.round(capacity * MEAN_SIZED_ENTRY),
        sizeCalculation: (value, key) => sizeOfEntry(key, value as string),
      })
    : new LRUCache<string, number | string>({ max: capacity });
  const hits = new Uint8Array(trace.length);
  for (let i = 0; i < trace.length; i++) {
    const id = trace[i]!;
    const key = keyOf(id);
    if (cache.get(key) !== undefined) hits[i] = 1;
    else cache.set(key, sized ? sizedValue(id) : id);
  }
  return hits;
};

const POLICIES: readonly (readonly [string, Replay])[] = [
  ["MemoryStore 'lru'", replayStore('lru')],
  ["MemoryStore 'tinylfu'", replayStore('tinylfu')],
  ['lru-cache', replayLruCache],
];

/** Hit ratio in percent over the counted requests. */
function ratio(
  hits: Uint8Array,
  counted: ((index: number) => boolean) | undefined,
  from = 0,
  to = hits.length,
): number {
  let hit = 0;
  let total = 0;
  for (let i = from; i < to; i++) {
    if (counted !== undefined && !counted(i)) continue;
    total++;
    hit += hits[i]!;
  }
  return (100 * hit) / total;
}

const percent = (value: number): string => `${formatNumber(value, 1)} %`;
const points = (value: number): string => `${value >= 0 ? '+' : ''}${formatNumber(value, 1)}`;

const started = performance.now();
const workloads: Workload[] = [];
for (const alpha of [0.8, 0.99, 1.2]) {
  const trace = zipfTrace(KEYS, alpha, REQUESTS, 12 + Math.round(alpha * 100));
  for (const capacity of CAPACITIES) workloads.push({ name: `Zipf ${alpha}`, capacity, trace });
}
const scans = CAPACITIES.map((capacity) => {
  const mix = withScan(zipfTrace(KEYS, 0.99, REQUESTS, 99), 5 * capacity, KEYS);
  return { capacity, mix };
});
for (const { capacity, mix } of scans) {
  workloads.push({
    name: 'Zipf 0.99 + scan of 5× capacity (Zipf part)',
    capacity,
    trace: mix.trace,
    counted: (i) => mix.isScan[i] === 0,
  });
}
workloads.push({
  name: 'Zipf 0.99, values of 7 sizes, maxBytes',
  capacity: CAPACITIES[1]!,
  trace: workloads.find((w) => w.name === 'Zipf 0.99')!.trace,
  sized: true,
});
for (const capacity of CAPACITIES) {
  workloads.push({
    name: 'recency: 1/3 new keys, else one of the last 2× capacity',
    capacity,
    trace: recencyTrace(REQUESTS, 2 * capacity, 1 / 3, 7),
  });
}
for (const capacity of CAPACITIES) {
  workloads.push({
    name: 'loop of 1.1× capacity',
    capacity,
    trace: loopTrace(Math.round(capacity * 1.1), LOOP_PASSES),
  });
}

interface Outcome {
  readonly workload: Workload;
  readonly ratios: number[];
  /** Bélády's optimum (unit sizes only). */
  readonly optimum: number | undefined;
  /** For a scan mix: Zipf-part ratios from the scan's start to as far again after its end. */
  readonly window?: { ratios: number[]; optimum: number };
}

const outcomes: Outcome[] = [];
for (const workload of workloads) {
  const { trace, capacity, counted, sized = false } = workload;
  const all = POLICIES.map(([, replay]) => replay(trace, capacity, sized));
  // With sizes, Bélády's rule is no longer optimal (and the optimum is NP-hard): none shown.
  const best = sized ? undefined : beladyHits(trace, capacity, KEYS + 5 * capacity);
  const scan = scans.find((s) => s.mix.trace === trace)?.mix;
  let window: Outcome['window'];
  if (scan !== undefined) {
    const to = Math.min(trace.length, scan.scanEnd + (scan.scanEnd - scan.scanStart));
    window = {
      ratios: all.map((hits) => ratio(hits, counted, scan.scanStart, to)),
      optimum: ratio(best!, counted, scan.scanStart, to),
    };
  }
  const optimum = best === undefined ? undefined : ratio(best, counted);
  outcomes.push({ workload, ratios: all.map((hits) => ratio(hits, counted)), optimum, window });
}
const seconds = (performance.now() - started) / 1000;

const LRU = 0;
const TINYLFU = 1;
const rows: TableRow[] = [];
const row = (name: string, capacity: number, ratios: number[], optimum: number | undefined): TableRow => {
  const cells: Record<string, string> = {
    trace: name,
    capacity: `${formatNumber(capacity)} (${formatNumber((100 * capacity) / KEYS, 1)} %)`,
  };
  POLICIES.forEach(([policy], i) => {
    cells[policy] = percent(ratios[i]!);
  });
  cells["Bélády's optimum"] = optimum === undefined ? '' : percent(optimum);
  cells['tinylfu − lru'] = points(ratios[TINYLFU]! - ratios[LRU]!);
  return cells;
};
for (const { workload, ratios, optimum, window } of outcomes) {
  rows.push(row(workload.name, workload.capacity, ratios, optimum));
  if (window !== undefined)
    rows.push(row('  … during the scan and as long after', workload.capacity, window.ratios, window.optimum));
}
printTable(
  `Hit ratio · ${formatNumber(KEYS)} keys, ${formatNumber(REQUESTS)} requests per Zipf trace · ${formatNumber(seconds, 1)} s`,
  rows,
);

// The targets, each with its figure and its reference from this run.
const zipf099 = outcomes.find(
  (o) => o.workload.name === 'Zipf 0.99' && o.workload.capacity === CAPACITIES[0],
)!;
const gain = zipf099.ratios[TINYLFU]! - zipf099.ratios[LRU]!;
const targets: TableRow[] = [
  {
    target: 'Zipf 0.99, cache at 0.1 %: tinylfu ≥ lru + 8 points',
    figure: `${percent(zipf099.ratios[TINYLFU]!)} (${points(gain)})`,
    reference: `lru ${percent(zipf099.ratios[LRU]!)}`,
    status: gain >= 8 ? 'ok' : 'missed',
  },
];
for (const outcome of outcomes.filter((o) => o.window !== undefined)) {
  const { ratios, window, workload } = outcome;
  targets.push({
    target: `scan mix, cache ${formatNumber(workload.capacity)}: Zipf part tinylfu ≥ lru (whole trace / scan window)`,
    figure: `${percent(ratios[TINYLFU]!)} / ${percent(window!.ratios[TINYLFU]!)}`,
    reference: `lru ${percent(ratios[LRU]!)} / ${percent(window!.ratios[LRU]!)}`,
    status:
      ratios[TINYLFU]! >= ratios[LRU]! && window!.ratios[TINYLFU]! >= window!.ratios[LRU]! ? 'ok' : 'missed',
  });
}
process.stdout.write(
  "No optimum for values of several sizes: Bélády's rule is not optimal then (the optimum is NP-hard).\n",
);
printTable('Hit-ratio targets (issue 12); hit latency is in memory.bench.ts', targets);
