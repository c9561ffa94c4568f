/**
 * The measurement plan shared by `postgres.bench.ts` and `mysql.bench.ts`: a
 * networked SQL store and the `Cache` facade over it next to a raw prepared
 * select through the **same** driver pool, in the same process and run.
 *
 * - sequential p50: rows measured in short interleaved slices (rotating the
 *   order each time); the ratio is the median of per-slice ratios, which is far
 *   steadier on a shared machine than a ratio of two separate medians;
 * - throughput with 64 calls in flight: raw and store runs alternate three times
 *   and each side keeps its middle run; client CPU per call is reported too,
 *   since it shows the wrapper's own cost even when the server is the bottleneck;
 * - `set` against the raw upsert, and `increment`, for information.
 *
 * Not a `*.bench.ts` file: `run.ts` does not run it by itself.
 *
 * @packageDocumentation
 */

import type { Cache, Store } from '@cache/core';
import {
  type ConcurrentResult,
  environmentLine,
  formatNumber,
  type MeasureResult,
  measure,
  measureConcurrent,
  printTable,
  type TableRow,
} from './harness.js';
import { interleave, pairedRatio } from './paired.js';
import { TTL_MS, USER_BYTES } from './fixtures.js';

/** The key both sides read: it holds {@link USER_BYTES}. */
export const READ_KEY = 'user:48213';
/** Keys the write rows rotate over (overwrites: a warm cache's steady state). */
export const WRITE_KEYS = Array.from({ length: 1_024 }, (_, i) => `w:${i}`);

const IN_FLIGHT = 64;
const TOTAL = 10_000;
const TARGET_RATIO = 1.15;

/** What one driver's bench supplies. */
export interface SqlDriverBench {
  /** Table title, e.g. `@cache/postgres vs raw pg`. */
  readonly title: string;
  /** Name of the raw select row, e.g. `raw prepared select (pool.query, named)`. */
  readonly rawName: string;
  readonly store: Store;
  readonly cache: Cache;
  /** The store's own SELECT of {@link READ_KEY}, run raw on the same pool; resolves the value bytes. */
  readonly rawGet: () => Promise<Uint8Array | undefined>;
  /**
   * The same raw select, but deriving the key's identity (SHA-256 of the key) on
   * every call, as any client of this table must: shows how much of the store's
   * overhead is that hash.
   */
  readonly rawGetHashing: () => Promise<Uint8Array | undefined>;
  /** The store's own upsert of `WRITE_KEYS[index]`, run raw on the same pool. */
  readonly rawSet: (index: number) => Promise<unknown>;
  /** Printed under the table. */
  readonly notes?: readonly string[];
}

/** Runs the plan and prints one table. */
export async function runSqlDriverBench(bench: SqlDriverBench): Promise<void> {
  const { store, cache } = bench;
  await store.set(READ_KEY, USER_BYTES, TTL_MS);
  await store.setMany(WRITE_KEYS.map((key) => ({ key, value: USER_BYTES, ttl: TTL_MS })));
  const check = await bench.rawGet();
  if (check === undefined || Buffer.compare(Buffer.from(check), Buffer.from(USER_BYTES)) !== 0) {
    throw new Error('the raw select does not read what the store wrote');
  }

  const decoder = new TextDecoder();
  const rawGetJson = async (): Promise<unknown> => {
    const bytes = await bench.rawGet();
    return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as unknown);
  };
  const storeGet = () => store.get(READ_KEY);
  const cacheGet = () => cache.get(READ_KEY);

  // --- sequential latency (interleaved slices) ---
  const sequential = await interleave([
    [bench.rawName, bench.rawGet],
    ['store.get', storeGet],
    [`${bench.rawName} + JSON.parse`, rawGetJson],
    ['cache.get', cacheGet],
    [`${bench.rawName}, key hashed per call`, bench.rawGetHashing],
  ]);
  const [seqRaw, seqStore, seqRawJson, seqCache, seqRawHashing] = sequential.results as [
    MeasureResult,
    MeasureResult,
    MeasureResult,
    MeasureResult,
    MeasureResult,
  ];
  const storeRatio = pairedRatio(sequential, 1, 0);
  const cacheRatio = pairedRatio(sequential, 3, 2);
  const hashingRatio = pairedRatio(sequential, 4, 0);
  const storeOverHashing = pairedRatio(sequential, 1, 4);

  // --- throughput at 64 in flight (alternating, middle of three) ---
  const cpuPerOp = new Map<ConcurrentResult, number>();
  const WARMUP = IN_FLIGHT * 20;
  const throughput = async (name: string, fn: () => Promise<unknown>): Promise<ConcurrentResult> => {
    const before = process.cpuUsage();
    const result = await measureConcurrent(name, fn, { inFlight: IN_FLIGHT, total: TOTAL, warmup: WARMUP });
    const used = process.cpuUsage(before);
    cpuPerOp.set(result, (used.user + used.system) / (TOTAL + WARMUP));
    return result;
  };
  const middle = (results: ConcurrentResult[]): ConcurrentResult =>
    [...results].sort((a, b) => a.opsPerSec - b.opsPerSec)[1] as ConcurrentResult;
  const pair = async (
    raw: [string, () => Promise<unknown>],
    driver: [string, () => Promise<unknown>],
  ): Promise<[ConcurrentResult, ConcurrentResult]> => {
    const raws: ConcurrentResult[] = [];
    const drivers: ConcurrentResult[] = [];
    for (let i = 0; i < 3; i++) {
      raws.push(await throughput(...raw));
      drivers.push(await throughput(...driver));
    }
    return [middle(raws), middle(drivers)];
  };
  const [tpRaw, tpStore] = await pair([bench.rawName, bench.rawGet], ['store.get', storeGet]);
  const [tpRawJson, tpCache] = await pair(
    [`${bench.rawName} + JSON.parse`, rawGetJson],
    ['cache.get', cacheGet],
  );

  let w = 0;
  const nextWrite = (): number => {
    w = (w + 1) & 1_023;
    return w;
  };
  const [tpRawSet, tpStoreSet] = await pair(
    ['raw prepared upsert', () => bench.rawSet(nextWrite())],
    ['store.set', () => store.set(WRITE_KEYS[nextWrite()] as string, USER_BYTES, TTL_MS)],
  );
  const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS), {
    rounds: 10,
  });

  // --- report ---
  const ratio = (value: number): string => `${formatNumber(value, 2)}×`;
  const latencyRow = (result: MeasureResult, paired?: number, withTarget = true): TableRow => ({
    measurement: `${result.name} · sequential p50`,
    value: `${formatNumber(result.medianNs / 1000, 1)} µs`,
    'vs raw': paired === undefined ? '' : ratio(paired),
    'client CPU/op': '',
    target: paired === undefined || !withTarget ? '' : `≤ ${TARGET_RATIO}× raw`,
    status: paired === undefined || !withTarget ? '' : paired <= TARGET_RATIO ? 'ok' : 'over',
  });
  const throughputRow = (
    result: ConcurrentResult,
    reference?: ConcurrentResult,
    withTarget = true,
  ): TableRow => {
    const slowdown = reference === undefined ? undefined : reference.opsPerSec / result.opsPerSec;
    const cpu = cpuPerOp.get(result) ?? Number.NaN;
    const referenceCpu = reference === undefined ? undefined : cpuPerOp.get(reference);
    return {
      measurement: `${result.name} · ${IN_FLIGHT} in flight`,
      value: `${formatNumber(result.opsPerSec)} ops/s`,
      'vs raw': slowdown === undefined ? '' : `${ratio(1 / slowdown)} rate`,
      'client CPU/op': `${formatNumber(cpu, 1)} µs${referenceCpu === undefined ? '' : ` (${ratio(cpu / referenceCpu)})`}`,
      target: slowdown === undefined || !withTarget ? '' : `≥ 1/${TARGET_RATIO} raw`,
      status: slowdown === undefined || !withTarget ? '' : slowdown <= TARGET_RATIO ? 'ok' : 'over',
    };
  };
  printTable(`${bench.title} · ${USER_BYTES.length}-byte value · ${environmentLine()}`, [
    latencyRow(seqRaw),
    latencyRow(seqStore, storeRatio),
    latencyRow(seqRawJson),
    latencyRow(seqCache, cacheRatio),
    latencyRow(seqRawHashing, hashingRatio, false),
    throughputRow(tpRaw),
    throughputRow(tpStore, tpRaw),
    throughputRow(tpRawJson),
    throughputRow(tpCache, tpRawJson),
    throughputRow(tpRawSet),
    throughputRow(tpStoreSet, tpRawSet, false),
    latencyRow(seqIncrement),
  ]);
  process.stdout.write(
    `store.get vs the raw select that hashes its key per call (paired): ${ratio(storeOverHashing)}\n`,
  );
  for (const note of bench.notes ?? []) process.stdout.write(`note: ${note}\n`);
}
