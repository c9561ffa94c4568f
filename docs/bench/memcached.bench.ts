/**
 * Memcached benchmark: `MemcachedStore` and the `Cache` facade over it next to raw
 * memjs, in the same process, against the same server, in the same run.
 *
 * - store level: `store.get` (bytes out of the expiry envelope, under the prefix's
 *   namespace generation) against raw `client.get(key).value`;
 * - facade level: `cache.get` against raw `client.get` + `JSON.parse` (what an
 *   application would write by hand);
 * - each as sequential median latency and as throughput with 64 in flight;
 * - `set` against raw `client.set` + `JSON.stringify` (throughput), `getMany(100)`
 *   against 100 raw gets in parallel, and `increment` (sequential latency).
 *
 * The store speaks the binary protocol itself over memjs's connections, and every
 * operation also reads the prefix's namespace generation in the same round trip (the
 * cost of a prefix-scoped `flush` without `flush_all`; see the package README).
 * There is no numeric target in the issue for memcached: the table is the reference.
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
import {
  type ConcurrentResult,
  environmentLine,
  formatNumber,
  type MeasureResult,
  measure,
  printTable,
  type TableRow,
} from './harness.js';
import { byMedian, byRate, createCpuThroughput, latency, pair } from './paired.js';
import { USER, USER_JSON, TTL_MS } from './fixtures.js';
import { startPrivateServer } from './private-server.js';

const IN_FLIGHT = 64;
const TOTAL = 20_000;
const PREFIX = `bench-${process.pid}`;

// --- server -------------------------------------------------------------------------------

const server = await startPrivateServer('memcached', (port) => [
  '-l',
  '127.0.0.1',
  '-p',
  String(port),
  '-U',
  '0',
  '-m',
  '64',
  // memcached refuses to run as root without a user to drop to.
  ...(process.getuid?.() === 0 ? ['-u', 'memcache'] : []),
]);
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

const { throughput, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL);

const [seqRawBytes, seqStore] = await pair(
  latency,
  byMedian,
  ['raw get', rawGetBytes],
  ['store.get', storeGet],
);
const [seqRawJson, seqCache] = await pair(
  latency,
  byMedian,
  ['raw get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);
const [tpRawBytes, tpStore] = await pair(
  throughput,
  byRate,
  ['raw get', rawGetBytes],
  ['store.get', storeGet],
);
const [tpRawJson, tpCache] = await pair(
  throughput,
  byRate,
  ['raw get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);
const [tpRawSet, tpCacheSet] = await pair(
  throughput,
  byRate,
  ['raw JSON.stringify + set', rawSet],
  ['cache.set', cacheSet],
);
const [seqRawMany, seqCacheMany] = await pair(
  latency,
  byMedian,
  ['raw 100 × get + JSON.parse, in parallel', rawGetMany],
  ['cache.getMany(100)', cacheGetMany],
);
const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS));

// --- report -------------------------------------------------------------------------------

const ratio = (value: number, reference: number): string => `${formatNumber(value / reference, 2)}×`;

const latencyRow = (result: MeasureResult, reference?: MeasureResult): TableRow => ({
  measurement: `${result.name}, sequential p50`,
  value: `${formatNumber(result.medianNs / 1000, 1)} µs`,
  'vs raw': reference === undefined ? '' : ratio(result.medianNs, reference.medianNs),
  'client CPU/op': '',
  'CPU vs raw': '',
});

const throughputRow = (result: ConcurrentResult, reference?: ConcurrentResult): TableRow => {
  const cpu = cpuPerOp(result);
  const referenceCpu = reference === undefined ? undefined : cpuPerOp(reference);
  return {
    measurement: `${result.name}, ${IN_FLIGHT} in flight`,
    value: `${formatNumber(result.opsPerSec)} ops/s`,
    'vs raw': reference === undefined ? '' : ratio(result.opsPerSec, reference.opsPerSec),
    'client CPU/op': `${formatNumber(cpu, 1)} µs`,
    'CPU vs raw': referenceCpu === undefined ? '' : ratio(cpu, referenceCpu),
  };
};

printTable(`@cache/memcached vs raw memjs · ${USER_JSON.length}-byte object · ${environmentLine()}`, [
  latencyRow(seqRawBytes),
  latencyRow(seqStore, seqRawBytes),
  latencyRow(seqRawJson),
  latencyRow(seqCache, seqRawJson),
  throughputRow(tpRawBytes),
  throughputRow(tpStore, tpRawBytes),
  throughputRow(tpRawJson),
  throughputRow(tpCache, tpRawJson),
  throughputRow(tpRawSet),
  throughputRow(tpCacheSet, tpRawSet),
  latencyRow(seqRawMany),
  latencyRow(seqCacheMany, seqRawMany),
  latencyRow(seqIncrement),
]);
if (server === undefined) process.stdout.write(`note: no private memcached; measured against ${address}.\n`);

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await Promise.all([RAW_KEY, ...rawManyKeys, ...rawWriteKeys].map((key) => raw.delete(key)));
await cache.close();
raw.close();
server?.stop();
