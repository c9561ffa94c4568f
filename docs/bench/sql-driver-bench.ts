/**
 * The measurement plan shared by `postgres.bench.ts` and `mysql.bench.ts`: a
 * networked SQL store and the `Cache` facade over it next to raw prepared
 * statements through a driver pool of the same size, in the same process and run.
 *
 * - sequential p50: rows measured in short interleaved slices (rotating the
 *   order each time); the ratio is the median of per-slice ratios, which is far
 *   steadier on a shared machine than a ratio of two separate medians;
 * - throughput with 64 calls in flight: raw and store runs alternate three times
 *   and each side keeps its middle run; client CPU per call is reported too,
 *   since it shows the wrapper's own cost even when the server is the bottleneck;
 * - targets (issue 12): `cache.get` against the raw select + `JSON.parse`,
 *   `cache.set` against `JSON.stringify` + the raw upsert: throughput ≥ 1.0× and
 *   sequential p50 ≤ 1.0× raw. `store.get`/`store.set` against the bare raw
 *   statements, and `increment`, for information.
 *
 * Not a `*.bench.ts` file: `run.ts` does not run it by itself.
 *
 * @packageDocumentation
 */

import type { Cache } from '@cache/core';
import { KeyIdentity, keyHash, type SqlParam, type SqlStore } from '@cache/sql/internal';
import { environmentLine, formatNumber, type MeasureResult, measure, printTable } from './harness.js';
import { comparisonRows } from './comparison-table.js';
import { createCpuThroughput, interleave, pairedRatio } from './paired.js';
import { TTL_MS, USER, USER_BYTES } from './fixtures.js';

/** The key both sides read: it holds {@link USER_BYTES}. */
export const READ_KEY = 'user:48213';
/** Keys the write rows rotate over (overwrites: a warm cache's steady state). */
export const WRITE_KEYS = Array.from({ length: 1_024 }, (_, i) => `w:${i}`);

const IN_FLIGHT = 64;
const TOTAL = 10_000;
/** Issue 12: the facade at least as fast as raw code doing the same work (ratio of times). */
const TARGET_RATIO = 1.0;

/** What one driver's bench supplies. */
export interface SqlDriverBench {
  /** Table title, e.g. `@cache/postgres vs raw pg`. */
  readonly title: string;
  /** Name of the raw select row, e.g. `raw prepared select`. */
  readonly rawName: string;
  readonly store: SqlStore;
  readonly cache: Cache;
  /**
   * The store's own `get` text run raw on a driver pool of the store's size with
   * `params` (the key's identity, then "now"); resolves the value bytes.
   */
  readonly rawSelect: (params: SqlParam[]) => Promise<Uint8Array | undefined>;
  /** The store's own `set` text run raw with `params` (identity, value, expiry). */
  readonly rawUpsert: (params: SqlParam[]) => Promise<unknown>;
  /** Printed under the table. */
  readonly notes?: readonly string[];
}

/** Runs the plan and prints one table. */
export async function runSqlDriverBench(bench: SqlDriverBench): Promise<void> {
  const { store, cache } = bench;
  // The identity parameters the store binds (prefix, SHA-256 of the key, key bytes).
  const ids = new KeyIdentity(store.statements.keyStorage, store.prefix);
  const readIdentity = ids.params(READ_KEY);
  const writeIdentities = WRITE_KEYS.map((key) => ids.params(key));
  // The raw select with the key's identity computed once up front: the whole cost
  // of the store layer shows in the ratio.
  const rawGet = () => bench.rawSelect([...readIdentity, Date.now()]);
  // The same, deriving the identity per call, as a plain client of this table would.
  const rawGetHashing = () =>
    bench.rawSelect([store.prefix, keyHash(READ_KEY), Buffer.from(READ_KEY, 'utf8'), Date.now()]);
  // A Buffer: what both pg and mysql2 bind as bytes without converting.
  const valueBuffer = Buffer.from(USER_BYTES);
  const rawSet = (index: number) =>
    bench.rawUpsert([...(writeIdentities[index] as SqlParam[]), valueBuffer, Date.now() + TTL_MS]);
  // What cache.set does by hand: encode the record as JSON bytes, upsert them.
  const rawSetJson = (index: number) =>
    bench.rawUpsert([
      ...(writeIdentities[index] as SqlParam[]),
      Buffer.from(JSON.stringify(USER), 'utf8'),
      Date.now() + TTL_MS,
    ]);
  await store.set(READ_KEY, USER_BYTES, TTL_MS);
  await store.setMany(WRITE_KEYS.map((key) => ({ key, value: USER_BYTES, ttl: TTL_MS })));
  const check = await rawGet();
  if (check === undefined || Buffer.compare(Buffer.from(check), Buffer.from(USER_BYTES)) !== 0) {
    throw new Error('the raw select does not read what the store wrote');
  }

  const decoder = new TextDecoder();
  const rawGetJson = async (): Promise<unknown> => {
    const bytes = await rawGet();
    return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as unknown);
  };
  const storeGet = () => store.get(READ_KEY);
  const cacheGet = () => cache.get(READ_KEY);
  let w = 0;
  const nextWrite = (): number => {
    w = (w + 1) & 1_023;
    return w;
  };
  const cacheSet = () => cache.set(WRITE_KEYS[nextWrite()] as string, USER, TTL_MS);
  // Reads spread over 1,024 keys: callers in flight then ask for different rows (a
  // store that coalesces concurrent reads cannot fold them into one lookup).
  let r = 0;
  const nextRead = (): number => {
    r = (r + 1) & 1_023;
    return r;
  };
  const rawGetSpreadJson = async (): Promise<unknown> => {
    const bytes = await bench.rawSelect([...(writeIdentities[nextRead()] as SqlParam[]), Date.now()]);
    return bytes === undefined ? undefined : (JSON.parse(decoder.decode(bytes)) as unknown);
  };
  const cacheGetSpread = () => cache.get(WRITE_KEYS[nextRead()] as string);

  // --- sequential latency (interleaved slices) ---
  const sequential = await interleave([
    [bench.rawName, rawGet],
    ['store.get', storeGet],
    [`${bench.rawName} + JSON.parse`, rawGetJson],
    ['cache.get', cacheGet],
    [`${bench.rawName}, key hashed per call`, rawGetHashing],
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
  const sequentialSets = await interleave(
    [
      ['JSON.stringify + raw prepared upsert', () => rawSetJson(nextWrite())],
      ['cache.set', cacheSet],
    ],
    { slices: 30 },
  );
  const [seqRawSet, seqCacheSet] = sequentialSets.results as [MeasureResult, MeasureResult];
  const cacheSetRatio = pairedRatio(sequentialSets, 1, 0);

  // --- throughput at 64 in flight (alternating, middle of three) ---
  const { pairRates, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL, { warmupPerLane: 20 });
  const [tpRaw, tpStore] = await pairRates([bench.rawName, rawGet], ['store.get', storeGet]);
  const [tpRawJson, tpCache] = await pairRates(
    [`${bench.rawName} + JSON.parse`, rawGetJson],
    ['cache.get', cacheGet],
  );
  const [tpRawSpread, tpCacheSpread] = await pairRates(
    [`${bench.rawName} + JSON.parse, 1,024 keys`, rawGetSpreadJson],
    ['cache.get, 1,024 keys', cacheGetSpread],
  );
  const [tpRawSet, tpStoreSet] = await pairRates(
    ['raw prepared upsert', () => rawSet(nextWrite())],
    ['store.set', () => store.set(WRITE_KEYS[nextWrite()] as string, USER_BYTES, TTL_MS)],
  );
  const [tpRawSetJson, tpCacheSet] = await pairRates(
    ['JSON.stringify + raw prepared upsert', () => rawSetJson(nextWrite())],
    ['cache.set', cacheSet],
  );
  const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS), {
    rounds: 10,
  });

  // --- report ---
  const rows = comparisonRows(cpuPerOp, IN_FLIGHT);
  const target = TARGET_RATIO;
  printTable(`${bench.title} · ${USER_BYTES.length}-byte value · ${environmentLine()}`, [
    rows.latency(seqRaw),
    rows.latency(seqStore, { vsRaw: storeRatio }),
    rows.latency(seqRawJson),
    rows.latency(seqCache, { vsRaw: cacheRatio, target }),
    rows.latency(seqRawHashing, { vsRaw: hashingRatio }),
    rows.latency(seqRawSet),
    rows.latency(seqCacheSet, { vsRaw: cacheSetRatio, target }),
    rows.throughput(tpRaw),
    rows.throughput(tpStore, { reference: tpRaw }),
    rows.throughput(tpRawJson),
    rows.throughput(tpCache, { reference: tpRawJson, atLeast: 1 }),
    rows.throughput(tpRawSpread),
    rows.throughput(tpCacheSpread, { reference: tpRawSpread, atLeast: 1 }),
    rows.throughput(tpRawSet),
    rows.throughput(tpStoreSet, { reference: tpRawSet }),
    rows.throughput(tpRawSetJson),
    rows.throughput(tpCacheSet, { reference: tpRawSetJson, atLeast: 1 }),
    rows.latency(seqIncrement),
  ]);
  process.stdout.write(
    `store.get vs the raw select that hashes its key per call (paired): ${formatNumber(storeOverHashing, 2)}×\n`,
  );
  for (const note of bench.notes ?? []) process.stdout.write(`note: ${note}\n`);
}
