/**
 * Redis benchmark: the `Cache` facade over `RedisStore` next to raw ioredis, in the
 * same process, against the same server, in the same run.
 *
 * - `get` hit: sequential latency and throughput at 64 in flight, against raw `GET` +
 *   `JSON.parse` (what an application would write by hand) and against raw `GET`
 *   alone (no decoding: the store must win the parse back by sharing writes);
 * - `set`: the same against raw `JSON.stringify` + `SET … PX`;
 * - `getMany(100)`: sequential latency against one raw `GET` and a raw `MGET`;
 * - 1,000 concurrent `remember` calls on one cold key: factory calls, and Redis
 *   commands counted from `INFO commandstats` deltas.
 *
 * Method (see `paired.ts`): sequential rows are measured in interleaved slices and
 * compared slice by slice; throughput runs of raw and driver alternate three times
 * and each side keeps its middle run. One sequential row repeats the raw reference (A/A):
 * its distance from 1.00× is this run's noise, the band a sequential ratio must leave to
 * mean anything on a loopback round trip shared with the server. The targets are the issue's: `cache.get` at
 * least as fast as raw `GET` + `JSON.parse`, at least 0.95× raw `GET` without
 * parsing at 64 in flight, `cache.set` at least as fast as raw `SET`.
 *
 * Raw ioredis runs with its defaults (the reference the targets are stated against);
 * one extra row shows raw `GET` with ioredis' `enableAutoPipelining: true`.
 *
 * The bench starts its own `redis-server` on a free loopback port when the binary is
 * installed, so other users of the shared server neither disturb the timings nor the
 * command counts; otherwise it uses `CACHE_REDIS_URL` (default 127.0.0.1:6379).
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench redis`.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { RedisStore } from '@cache/redis';
import { Redis } from 'ioredis';
import { comparisonRows } from './comparison-table.js';
import { TTL_MS, USER, USER_JSON } from './fixtures.js';
import { environmentLine, type MeasureResult, printTable, type TableRow } from './harness.js';
import { createCpuThroughput, interleave, pairedRatio } from './paired.js';
import { privateRedis } from './private-server.js';
import { commandCounts as countCommands } from './command-stats.js';

const IN_FLIGHT = 64;
const TOTAL = 20_000;
const PREFIX = `bench-${process.pid}`;

// --- server -------------------------------------------------------------------------------

const { url, server } = await privateRedis();

// --- clients ------------------------------------------------------------------------------

const raw = new Redis(url);
const rawPipelined = new Redis(url, { enableAutoPipelining: true });
const store = new RedisStore({ url, prefix: PREFIX });
const cache = new Cache({ store });
const admin = new Redis(url);

const KEY = 'user:48213';
const RAW_KEY = `${PREFIX}:${KEY}`;
await cache.set(KEY, USER, TTL_MS);
const manyKeys = Array.from({ length: 100 }, (_, i) => `many:${i}`);
await cache.setMany(manyKeys.map((key, i) => ({ key, value: { n: i }, ttl: TTL_MS })));
const manyUserKeys = Array.from({ length: 100 }, (_, i) => `many-users:${i}`);
await cache.setMany(manyUserKeys.map((key) => ({ key, value: USER, ttl: TTL_MS })));
const rawManyKeys = manyKeys.map((key) => `${PREFIX}:${key}`);

// Writes rotate over 1,024 keys: overwrites, the steady state of a warm cache.
const writeKeys = Array.from({ length: 1024 }, (_, i) => `w:${i}`);
const rawWriteKeys = writeKeys.map((key) => `${PREFIX}:raw:${key}`);
let w = 0;
const next = (): number => {
  w = (w + 1) & 1023;
  return w;
};

// --- measurements -------------------------------------------------------------------------

const rawGetText = () => raw.get(RAW_KEY);
const rawGetJson = async () => JSON.parse((await raw.get(RAW_KEY)) as string) as unknown;
// The same work again, measured as its own row: the ratio of the two is this run's noise (A/A).
const rawGetJsonAgain = async () => JSON.parse((await raw.get(RAW_KEY)) as string) as unknown;
const rawPipelinedGetJson = async () => JSON.parse((await rawPipelined.get(RAW_KEY)) as string) as unknown;
const cacheGet = () => cache.get(KEY);
// The application's side of a write includes serialising the value, as the facade does.
const rawSet = () => raw.set(rawWriteKeys[next()] as string, JSON.stringify(USER), 'PX', TTL_MS);
const cacheSet = () => cache.set(writeKeys[next()] as string, USER, TTL_MS);
const rawMget = () => raw.mgetBuffer(rawManyKeys);
const rawMgetJson = async () =>
  (await raw.mgetBuffer(rawManyKeys)).map((value) =>
    value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown),
  );

const { throughput, pairRates, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL);

// Sequential latency in interleaved slices, compared slice by slice (see paired.ts).
const sequential = await interleave([
  ['raw GET', rawGetText],
  ['raw GET + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
  ['raw JSON.stringify + SET PX', rawSet],
  ['cache.set', cacheSet],
  ['raw GET + JSON.parse, again (A/A: the noise of this run)', rawGetJsonAgain],
]);
const [seqRawText, seqRawJson, seqCache, seqRawSet, seqCacheSet, seqRawJsonAgain] = sequential.results as [
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
];
const batches = await interleave(
  [
    ['raw GET', rawGetText],
    ['raw MGET of 100 keys', rawMget],
    ['raw MGET of 100 keys + JSON.parse each', rawMgetJson],
    ['cache.getMany(100), small values', () => cache.getMany(manyKeys)],
    ['cache.getMany(100), 200-byte objects', () => cache.getMany(manyUserKeys)],
  ],
  { slices: 20 },
);
const [seqOneGet, seqMget, seqMgetJson, seqGetMany, seqGetManyUsers] = batches.results as [
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
];

const [tpRawJson, tpCache] = await pairRates(['raw GET + JSON.parse', rawGetJson], ['cache.get', cacheGet]);
const [tpRawText, tpCacheVsText] = await pairRates(['raw GET', rawGetText], ['cache.get', cacheGet]);
const [tpRawSet, tpCacheSet] = await pairRates(
  ['raw JSON.stringify + SET PX', rawSet],
  ['cache.set', cacheSet],
);
const tpRawPipelined = await throughput('raw GET + JSON.parse, ioredis auto-pipelining', rawPipelinedGetJson);

// 1,000 concurrent remember calls on one cold key.
const commandCounts = (): Promise<Map<string, number>> => countCommands(admin);
let factoryCalls = 0;
const coldKey = `cold:${Date.now()}`;
const before = await commandCounts();
const remembered = await Promise.all(
  Array.from({ length: 1_000 }, () =>
    cache.remember(coldKey, TTL_MS, async () => {
      factoryCalls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return USER;
    }),
  ),
);
const after = await commandCounts();
const commands: string[] = [];
let commandTotal = 0;
for (const [name, calls] of after) {
  // The second INFO counts the first one; neither is the cache's.
  const delta = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
  if (delta > 0) {
    commands.push(`${name} ×${delta}`);
    commandTotal += delta;
  }
}
const allSame = remembered.every((value) => JSON.stringify(value) === USER_JSON);

// --- report -------------------------------------------------------------------------------

const rows = comparisonRows(cpuPerOp, IN_FLIGHT);
const speed = (row: number, rawRow: number, atLeast?: number) => ({
  vsRaw: pairedRatio(sequential, row, rawRow),
  ...(atLeast === undefined ? {} : { atLeast }),
});
const vsOneGet = (row: number) => ({ vsRaw: pairedRatio(batches, row, 0) });
const note = (measurement: string, value: string, target: string, ok: boolean): TableRow => ({
  measurement,
  value,
  'vs raw': '',
  'client CPU/op': '',
  target,
  status: ok ? 'ok' : 'over',
});

printTable(`@cache/redis vs raw ioredis · ${USER_JSON.length}-byte object · ${environmentLine()}`, [
  rows.latency(seqRawText),
  rows.latency(seqRawJson),
  rows.latency(seqCache, speed(2, 1, 1)),
  { ...rows.latency(seqCache, speed(2, 0)), measurement: 'cache.get vs raw GET (no parse) · sequential p50' },
  rows.latency(seqRawSet),
  rows.latency(seqCacheSet, speed(4, 3, 1)),
  rows.latency(seqRawJsonAgain, { vsRaw: pairedRatio(sequential, 5, 1) }),
  rows.throughput(tpRawJson),
  rows.throughput(tpCache, { reference: tpRawJson, atLeast: 1 }),
  rows.throughput(tpRawText),
  {
    ...rows.throughput(tpCacheVsText, { reference: tpRawText, atLeast: 0.95 }),
    measurement: `cache.get vs raw GET (no parse) · ${IN_FLIGHT} in flight`,
  },
  rows.throughput(tpRawSet),
  rows.throughput(tpCacheSet, { reference: tpRawSet, atLeast: 1 }),
  { ...rows.throughput(tpRawPipelined, { reference: tpRawJson }), target: '(reference)' },
  { ...rows.latency(seqOneGet), measurement: 'raw GET (batch reference) · sequential p50' },
  rows.latency(seqMget, vsOneGet(1)),
  rows.latency(seqMgetJson, vsOneGet(2)),
  rows.latency(seqGetMany, { ...vsOneGet(3), target: 1.5 }),
  rows.latency(seqGetManyUsers, vsOneGet(4)),
  note(
    '1,000 concurrent remember, cold key: factory calls',
    String(factoryCalls),
    '1',
    factoryCalls === 1 && allSame,
  ),
  note(
    '1,000 concurrent remember, cold key: Redis commands',
    `${commandTotal} (${commands.join(', ')})`,
    '≤ 3',
    commandTotal <= 3,
  ),
]);
if (server === undefined) {
  process.stdout.write('note: no private redis-server; command counts may include other clients.\n');
}

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await cache.close();
await Promise.all([raw.quit(), rawPipelined.quit(), admin.quit()]);
await server?.stop();
