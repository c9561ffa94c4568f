/**
 * SQLite store benchmark: `SqliteStore.get` / `set` (and the `Cache` facade over
 * it) next to raw prepared better-sqlite3 statements on the same table, in the
 * same run. The raw statements are the store's own SQL text, so the ratio is the
 * cost of the store layer alone: argument handling, the `Promise`, the copy-free
 * `Uint8Array` view of the result.
 *
 * Targets (issue 12), on `:memory:` and on a file in WAL mode: `cache.get` ≤ 1.2×
 * the raw `.pluck().get()` + `JSON.parse`, `cache.set` ≤ 1.3× `JSON.stringify` +
 * the raw upsert (the facade does the same JSON work). `store.get` / `store.set`
 * against the bare statements for information. Run with `pnpm bench` at the root,
 * or `tsx bench/run.ts sqlite` in docs.
 *
 * @packageDocumentation
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache } from '@cache/core';
import { SqliteStore } from '@cache/sqlite';
import { environmentLine, formatNumber, printTable, resultRow } from './harness.js';
import { type Interleaved, interleave, pairedRatio, type Row } from './paired.js';
import { USER, USER_BYTES, TTL_MS } from './fixtures.js';

const PREFIX = 'bench';
const KEYS = Array.from({ length: 1_024 }, (_, i) => `user:${i}`);

/** Ratio targets against the raw statement of the same kind plus the same JSON work. */
const TARGETS = { get: 1.2, set: 1.3 } as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Variant {
  readonly label: string;
  readonly store: SqliteStore;
  /**
   * Whether the ratio targets apply (issue 12: in memory and on a file in
   * WAL mode; on a file, writes include WAL checkpoints that land on whichever
   * call crosses the threshold, on either side).
   */
  readonly targets: boolean;
}

const dir = mkdtempSync(join(tmpdir(), 'cache-sqlite-bench-'));
const variants: Variant[] = [
  { label: ':memory:', store: new SqliteStore({ filename: ':memory:', prefix: PREFIX }), targets: true },
  {
    label: 'file, WAL, synchronous=NORMAL',
    store: new SqliteStore({ filename: join(dir, 'bench.db'), prefix: PREFIX }),
    targets: true,
  },
];

/**
 * Interleaved slices (see paired.ts) with the short calibration rounds and two
 * rounds per slice that in-memory SQLite's ~2 µs calls want.
 */
const compare = (rows: readonly Row[]) => interleave(rows, { slices: 60, roundsPerSlice: 2, roundMs: 5 });

async function runVariant({ label, store, targets }: Variant): Promise<void> {
  const cache = new Cache({ store });
  await store.setMany(KEYS.map((key) => ({ key, value: USER_BYTES, ttl: TTL_MS })));
  await cache.set('user:cached', USER, TTL_MS);
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
    ['raw select (.pluck().get)', () => rawSelectPluck.get(PREFIX, nextKey(), Date.now())],
    ['raw select (.get → row)', () => rawSelect.get(PREFIX, nextKey(), Date.now())],
    ['store.get hit', () => store.get(nextKey())],
    [
      'raw .pluck().get + JSON.parse',
      () => JSON.parse(decoder.decode(rawSelectPluck.get(PREFIX, nextKey(), Date.now()) as Uint8Array)),
    ],
    ['cache.get<T> hit (JSON decode)', () => cache.get(nextKey())],
  ];
  const setRows: Row[] = [
    ['raw upsert (.run)', () => rawUpsert.run(PREFIX, nextKey(), USER_BYTES, Date.now() + TTL_MS)],
    ['store.set', () => store.set(nextKey(), USER_BYTES, TTL_MS)],
    [
      'JSON.stringify + raw upsert',
      () => rawUpsert.run(PREFIX, nextKey(), encoder.encode(JSON.stringify(USER)), Date.now() + TTL_MS),
    ],
    ['cache.set (JSON encode)', () => cache.set(nextKey(), USER, TTL_MS)],
  ];
  const gets = await compare(getRows);
  const sets = await compare(setRows);
  // Each row against its reference: the bare statement, or the statement + JSON work.
  const table = (group: Interleaved, references: readonly number[], target: { row: string; max: number }) =>
    group.results.map((result, index) => {
      const reference = references[index] as number;
      const ratio = pairedRatio(group, index, reference);
      const row: Record<string, string> = {
        ...resultRow(result),
        'vs raw (paired)':
          reference === index ? '' : `${formatNumber(ratio, 2)}× ${group.results[reference]?.name}`,
        target: '',
        status: '',
      };
      if (targets && result.name === target.row) {
        row.target = `≤ ${target.max}×`;
        row.status = ratio <= target.max ? 'ok' : 'over';
      }
      return row;
    });
  printTable(`@cache/sqlite · ${label} · ${USER_BYTES.byteLength}-byte value · ${environmentLine()}`, [
    ...table(gets, [0, 0, 0, 3, 3], { row: 'cache.get<T> hit (JSON decode)', max: TARGETS.get }),
    ...table(sets, [0, 0, 2, 2], { row: 'cache.set (JSON encode)', max: TARGETS.set }),
  ]);
}

try {
  for (const variant of variants) await runVariant(variant);
} finally {
  for (const { store } of variants) await store.close();
  rmSync(dir, { recursive: true, force: true });
}
