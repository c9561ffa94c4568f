/**
 * SQLite store benchmark: `SqliteStore.get` / `set` (and the `Cache` facade over
 * it) next to raw prepared better-sqlite3 statements on the same table, in the
 * same run. The raw statements are the store's own SQL text, so the ratio is the
 * cost of the store layer alone: argument handling, the `Promise`, the copy-free
 * `Uint8Array` view of the result.
 *
 * Targets (issue 3): store `get` hit ≤ 1.2× the raw select, store `set` ≤ 1.3× the
 * raw upsert. Run with `pnpm bench` at the root, or `tsx bench/run.ts sqlite` in docs.
 *
 * @packageDocumentation
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache } from '@cache/core';
import { SqliteStore } from '@cache/sqlite';
import {
  environmentLine,
  formatNumber,
  type MeasureResult,
  measure,
  printTable,
  resultRow,
} from './harness.js';

/** A ~200-byte record, the size the other benchmarks use. */
const user = {
  id: 48_213,
  name: 'Ada Lovelace',
  email: 'ada.lovelace@analytical-engine.example',
  roles: ['admin', 'editor', 'billing'],
  flags: { active: true, verified: true, beta: false },
  createdAt: '2024-03-18T09:41:27.512Z',
};
const value = new TextEncoder().encode(JSON.stringify(user));
const PREFIX = 'bench';
const KEYS = Array.from({ length: 1_024 }, (_, i) => `user:${i}`);
const TTL_MS = 300_000;

/** Ratio targets against the raw statement of the same kind. */
const TARGETS = { get: 1.2, set: 1.3 } as const;

interface Variant {
  readonly label: string;
  readonly store: SqliteStore;
  /**
   * Whether the ratio targets apply. They are stated for in-memory
   * statements; on a file, writes include WAL checkpoints (an fsync every ~1,000
   * pages) that land on whichever call crosses the threshold, so file ratios are
   * shown for information only.
   */
  readonly targets: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'cache-sqlite-bench-'));
const variants: Variant[] = [
  { label: ':memory:', store: new SqliteStore({ filename: ':memory:', prefix: PREFIX }), targets: true },
  {
    label: 'file, WAL, synchronous=NORMAL',
    store: new SqliteStore({ filename: join(dir, 'bench.db'), prefix: PREFIX }),
    targets: false,
  },
];

/** One row of a comparison group. */
type Row = readonly [name: string, fn: () => unknown];

/** One group's figures: per row, the summary over slices and each slice's ns/op. */
interface GroupResult {
  readonly results: MeasureResult[];
  readonly slices: number[][];
}

/** Median over slices of row `a`'s time divided by row `b`'s in the same slice. */
function pairedRatio(group: GroupResult, a: number, b: number): number {
  const over = group.slices[b] as number[];
  return median((group.slices[a] as number[]).map((ns, slice) => ns / (over[slice] as number)));
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

/**
 * Measures the rows of a group in short interleaved slices (rotating the order
 * each time) and reports, per row, the median over slices and the median of the
 * per-slice ratios to the first row. On a shared, noisy machine, load changes
 * between two long runs; between two adjacent 10 ms slices it mostly does not,
 * so paired ratios are far steadier than ratios of separate medians.
 */
async function compare(rows: readonly Row[], slices = 60): Promise<GroupResult> {
  // Warm up and calibrate each row's batch once.
  const batches: number[] = [];
  for (const [name, fn] of rows) batches.push((await measure(name, fn, { rounds: 3, roundMs: 5 })).batch);
  const perSlice: MeasureResult[][] = rows.map(() => []);
  for (let slice = 0; slice < slices; slice++) {
    for (let j = 0; j < rows.length; j++) {
      const index = (j + slice) % rows.length;
      const [name, fn] = rows[index] as Row;
      const result = await measure(name, fn, { batch: batches[index], rounds: 2, warmup: 1, warmupMs: 0 });
      (perSlice[index] as MeasureResult[]).push(result);
    }
  }
  const results = perSlice.map((list, index) => {
    const medians = list.map((r) => r.medianNs);
    const sorted = [...medians].sort((a, b) => a - b);
    const mid = median(medians);
    return {
      name: (rows[index] as Row)[0],
      medianNs: mid,
      p75Ns: sorted[Math.floor((sorted.length - 1) * 0.75)] as number,
      p99Ns: sorted[sorted.length - 1] as number,
      minNs: sorted[0] as number,
      opsPerSec: 1e9 / mid,
      batch: batches[index] as number,
      rounds: slices * 2,
    };
  });
  return { results, slices: perSlice.map((list) => list.map((r) => r.medianNs)) };
}

async function runVariant({ label, store, targets }: Variant): Promise<void> {
  const cache = new Cache({ store });
  await store.setMany(KEYS.map((key) => ({ key, value, ttl: TTL_MS })));
  await cache.set('user:cached', user, TTL_MS);
  const db = store.database;
  // The store's own SQL: same table, same index, same expiry predicate.
  const rawSelect = db.prepare(
    'SELECT "value" FROM "cache_entries" WHERE "prefix" = ? AND "cache_key" = ? AND ("expires_at" = 0 OR "expires_at" > ?)',
  );
  const rawSelectPluck = db
    .prepare(
      'SELECT "value" FROM "cache_entries" WHERE "prefix" = ? AND "cache_key" = ? AND ("expires_at" = 0 OR "expires_at" > ?)',
    )
    .pluck();
  const rawUpsert = db.prepare(
    'INSERT INTO "cache_entries" ("prefix", "cache_key", "value", "expires_at") VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT ("prefix", "cache_key") DO UPDATE SET "value" = excluded."value", "expires_at" = excluded."expires_at"',
  );

  let r = 0;
  const nextKey = (): string => {
    r = (r + 1) & 1_023;
    return KEYS[r] as string;
  };

  const getRows: Row[] = [
    ['raw select (.get → row)', () => rawSelect.get(PREFIX, nextKey(), Date.now())],
    ['raw select (.pluck().get)', () => rawSelectPluck.get(PREFIX, nextKey(), Date.now())],
    ['store.get hit', () => store.get(nextKey())],
    ['cache.get<T> hit (JSON decode)', () => cache.get('user:cached')],
  ];
  const setRows: Row[] = [
    ['raw upsert (.run)', () => rawUpsert.run(PREFIX, nextKey(), value, Date.now() + TTL_MS)],
    ['store.set', () => store.set(nextKey(), value, TTL_MS)],
    ['cache.set (JSON encode)', () => cache.set(nextKey(), user, TTL_MS)],
  ];
  const gets = await compare(getRows);
  const sets = await compare(setRows);
  const table = (group: GroupResult, target: { readonly row: string; readonly max: number }) =>
    group.results.map((result, index) => {
      const ratio = pairedRatio(group, index, 0);
      const row: Record<string, string> = {
        ...resultRow(result),
        'vs raw (paired)': index === 0 ? '' : `${formatNumber(ratio, 2)}×`,
        target: '',
        status: '',
      };
      if (targets && result.name === target.row) {
        row.target = `≤ ${target.max}×`;
        row.status = ratio <= target.max ? 'ok' : 'over';
      }
      return row;
    });
  const pluckRatio = pairedRatio(gets, 2, 1);
  printTable(`@cache/sqlite · ${label} · ${value.byteLength}-byte value · ${environmentLine()}`, [
    ...table(gets, { row: 'store.get hit', max: TARGETS.get }),
    ...table(sets, { row: 'store.set', max: TARGETS.set }),
  ]);
  process.stdout.write(`store.get vs raw .pluck().get (paired): ${formatNumber(pluckRatio, 2)}×\n`);
}

try {
  for (const variant of variants) await runVariant(variant);
} finally {
  for (const { store } of variants) await store.close();
  rmSync(dir, { recursive: true, force: true });
}
