/**
 * Memcached benchmark: `MemcachedStore` and the `Cache` facade over it next to raw
 * memjs, in the same process, against the same server, in the same run.
 *
 * - store level: `store.get` (bytes out of the expiry envelope, under the prefix's
 *   namespace generation) against raw `client.get(key).value`;
 * - facade level: `cache.get` against raw `client.get` + `JSON.parse` (what an
 *   application would write by hand);
 * - each as sequential median latency and as throughput with 64 in flight;
 * - `set` against raw `client.set` + `JSON.stringify` (both), `getMany(100)` against
 *   100 raw gets in parallel, and `increment` (sequential latency).
 *
 * The store speaks the binary protocol itself over memjs's connections, and every
 * operation also reads the prefix's namespace generation in the same round trip (the
 * cost of a prefix-scoped `flush` without `flush_all`; see the package README).
 * The targets (issue 12): `cache.get` at least as fast as raw `get` + `JSON.parse`, at
 * least 0.95× raw `get` without parsing at 64 in flight, `cache.set` at least as fast
 * as raw `set`. One sequential row repeats the raw reference (A/A): its distance from
 * 1.00× is this run's noise.
 *
 * The bench starts its own `memcached` on a free loopback port when the binary is
 * installed (otherwise `CACHE_MEMCACHED_SERVERS`, default 127.0.0.1:11211).
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench memcached`.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { MemcachedStore } from '@cache/memcached';
import memjs from 'memjs';
import { environmentLine, type MeasureResult, measure, printTable } from './harness.js';
import { comparisonRows } from './comparison-table.js';
import { createCpuThroughput, interleave, pairedRatio } from './paired.js';
import { USER, USER_JSON, TTL_MS } from './fixtures.js';
import { startPrivateServer } from './private-server.js';
import { MEMCACHED_SERVER } from '@cache/integration/servers';

const IN_FLIGHT = 64;
const TOTAL = 20_000;
const PREFIX = `bench-${process.pid}`;

// --- server -------------------------------------------------------------------------------

const server = await startPrivateServer(MEMCACHED_SERVER);
const address =
  server === undefined
    ? (process.env.CACHE_MEMCACHED_SERVERS ?? '127.0.0.1:11211').split(',')[0]!
    : `127.0.0.1:${server.port}`;

// --- clients ------------------------------------------------------------------------------

const silent = { log: () => {} };
const raw = memjs.Client.create(address, { logger: silent, keepAlive: true });
const store = new MemcachedStore({ servers: [address], prefix: PREFIX });
const cache = new Cache({ store });

const KEY = 'user:48213';
const RAW_KEY = `raw:${PREFIX}:user:48213`;
await cache.set(KEY, USER, TTL_MS);
await raw.set(RAW_KEY, USER_JSON, { expires: TTL_MS / 1000 });

const manyKeys = Array.from({ length: 100 }, (_, i) => `many:${i}`);
const rawManyKeys = manyKeys.map((key) => `raw:${PREFIX}:${key}`);
await cache.setMany(manyKeys.map((key, i) => ({ key, value: { n: i }, ttl: TTL_MS })));
await Promise.all(rawManyKeys.map((key, i) => raw.set(key, JSON.stringify({ n: i }), { expires: 300 })));

// Writes rotate over 1,024 keys: overwrites, the steady state of a warm cache.
const writeKeys = Array.from({ length: 1024 }, (_, i) => `w:${i}`);
const rawWriteKeys = writeKeys.map((key) => `raw:${PREFIX}:${key}`);
let w = 0;
const next = (): number => {
  w = (w + 1) & 1023;
  return w;
};

// --- measurements -------------------------------------------------------------------------

const rawGetBytes = async () => (await raw.get(RAW_KEY)).value;
const rawGetJson = async () => {
  const { value } = await raw.get(RAW_KEY);
  return value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown);
};
// The same work as rawGetJson, measured as its own row: the ratio of the two is this run's noise (A/A).
const rawGetJsonAgain = async () => {
  const { value } = await raw.get(RAW_KEY);
  return value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown);
};
const storeGet = () => store.get(KEY);
const cacheGet = () => cache.get(KEY);
const rawSet = () => raw.set(rawWriteKeys[next()]!, JSON.stringify(USER), { expires: 300 });
const cacheSet = () => cache.set(writeKeys[next()]!, USER, TTL_MS);
const rawGetMany = () =>
  Promise.all(
    rawManyKeys.map(async (key) => {
      const { value } = await raw.get(key);
      return value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown);
    }),
  );
const cacheGetMany = () => cache.getMany(manyKeys);

const { pairRates, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL);

// Sequential latency in interleaved slices, compared slice by slice (see paired.ts).
const sequential = await interleave([
  ['raw get', rawGetBytes],
  ['store.get', storeGet],
  ['raw get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
  ['raw 100 × get + JSON.parse, in parallel', rawGetMany],
  ['cache.getMany(100)', cacheGetMany],
  ['raw JSON.stringify + set', rawSet],
  ['cache.set', cacheSet],
  ['raw get + JSON.parse, again (A/A: the noise of this run)', rawGetJsonAgain],
]);
const [
  seqRawBytes,
  seqStore,
  seqRawJson,
  seqCache,
  seqRawMany,
  seqCacheMany,
  seqRawSet,
  seqCacheSet,
  seqRawJsonAgain,
] = sequential.results as [
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
];
const [tpRawBytes, tpStore] = await pairRates(['raw get', rawGetBytes], ['store.get', storeGet]);
const [tpRawJson, tpCache] = await pairRates(['raw get + JSON.parse', rawGetJson], ['cache.get', cacheGet]);
const [tpRawBytes2, tpCacheVsBytes] = await pairRates(['raw get', rawGetBytes], ['cache.get', cacheGet]);
const [tpRawSet, tpCacheSet] = await pairRates(['raw JSON.stringify + set', rawSet], ['cache.set', cacheSet]);
const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS));

// --- report -------------------------------------------------------------------------------

const rows = comparisonRows(cpuPerOp, IN_FLIGHT);
const vs = (row: number, rawRow: number, atLeast?: number) => ({
  vsRaw: pairedRatio(sequential, row, rawRow),
  ...(atLeast === undefined ? {} : { atLeast }),
});

printTable(`@cache/memcached vs raw memjs · ${USER_JSON.length}-byte object · ${environmentLine()}`, [
  rows.latency(seqRawBytes),
  rows.latency(seqStore, vs(1, 0)),
  rows.latency(seqRawJson),
  rows.latency(seqCache, vs(3, 2, 1)),
  { ...rows.latency(seqCache, vs(3, 0)), measurement: 'cache.get vs raw get (no parse) · sequential p50' },
  rows.latency(seqRawSet),
  rows.latency(seqCacheSet, vs(7, 6, 1)),
  rows.latency(seqRawJsonAgain, vs(8, 2)),
  rows.throughput(tpRawBytes),
  rows.throughput(tpStore, { reference: tpRawBytes }),
  rows.throughput(tpRawJson),
  rows.throughput(tpCache, { reference: tpRawJson, atLeast: 1 }),
  rows.throughput(tpRawBytes2),
  {
    ...rows.throughput(tpCacheVsBytes, { reference: tpRawBytes2, atLeast: 0.95 }),
    measurement: `cache.get vs raw get (no parse) · ${IN_FLIGHT} in flight`,
  },
  rows.throughput(tpRawSet),
  rows.throughput(tpCacheSet, { reference: tpRawSet, atLeast: 1 }),
  rows.latency(seqRawMany),
  rows.latency(seqCacheMany, vs(5, 4)),
  rows.latency(seqIncrement),
]);
if (server === undefined) process.stdout.write(`note: no private memcached; measured against ${address}.\n`);

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await Promise.all([RAW_KEY, ...rawManyKeys, ...rawWriteKeys].map((key) => raw.delete(key)));
await cache.close();
raw.close();
await server?.stop();
