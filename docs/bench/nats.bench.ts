/**
 * NATS benchmark: `NatsStore` and the `Cache` facade over it next to raw nats.js
 * `kv.get`, in the same process, against the same server and bucket, in the same run.
 *
 * - store level: `store.get` (bytes out of the expiry envelope) against raw
 *   `kv.get(key).value` on a plain KV key;
 * - facade level: `cache.get` (JSON decoded) against raw `kv.get` + `JSON.parse`
 *   (what an application would write by hand);
 * - each as sequential median latency and as throughput with 64 in flight;
 * - `set` against raw `JSON.stringify` + `kv.put` (sequential latency and throughput), and
 *   `increment` (sequential latency: a revision-checked read-modify-write, two round trips).
 *
 * The targets (issue 12): `cache.get` at least as fast as raw `kv.get` + `JSON.parse`,
 * at least 0.95× raw `kv.get` without parsing at 64 in flight, `cache.set` at least as
 * fast as raw `kv.put`.
 *
 * The bench starts its own JetStream `nats-server` (file storage in a temporary
 * directory) on a free loopback port when the binary is installed (`NATS_SERVER_BIN`,
 * default `/usr/sbin/nats-server`), so other users of the shared server do not disturb
 * the timings; otherwise it uses `CACHE_NATS_SERVERS` (default 127.0.0.1:4222).
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench nats`.
 *
 * @packageDocumentation
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache } from '@cache/core';
import { NatsStore } from '@cache/nats';
import { connect } from 'nats';
import { environmentLine, type MeasureResult, measure, printTable } from './harness.js';
import { comparisonRows } from './comparison-table.js';
import { createCpuThroughput, interleave, pairedRatio } from './paired.js';
import { USER, USER_BYTES, TTL_MS } from './fixtures.js';
import { startPrivateServer } from './private-server.js';
import { natsServer } from '@cache/integration/servers';

const IN_FLIGHT = 64;
const TOTAL = 10_000;
const BUCKET = 'cache_bench';
const PREFIX = `bench-${process.pid}`;

// --- server -------------------------------------------------------------------------------

const storeDir = mkdtempSync(join(tmpdir(), 'cache-nats-bench-'));
const server = await startPrivateServer(
  natsServer(() => storeDir),
  () => rmSync(storeDir, { recursive: true, force: true }),
);
const servers =
  server === undefined ? (process.env.CACHE_NATS_SERVERS ?? '127.0.0.1:4222') : `127.0.0.1:${server.port}`;

// --- clients ------------------------------------------------------------------------------

// One connection for both sides, so neither gets a less busy socket.
const connection = await connect({ servers: servers.split(',') });
const store = new NatsStore({ connection, bucket: BUCKET, prefix: PREFIX });
const cache = new Cache({ store });
// The store created the bucket (history 1) on its first call; raw opens the same one
// the same way, so both use direct gets where the server allows them.
await store.set('user:48213', USER_BYTES, TTL_MS);
const kv = await connection.jetstream().views.kv(BUCKET, { history: 1 });

const KEY = 'user:48213';
const RAW_KEY = `raw.${PREFIX}.user-48213`;
await kv.put(RAW_KEY, USER_BYTES);

// Writes rotate over 1,024 keys: overwrites, the steady state of a warm cache.
const writeKeys = Array.from({ length: 1024 }, (_, i) => `w:${i}`);
const rawWriteKeys = writeKeys.map((_, i) => `raw.${PREFIX}.w-${i}`);
let w = 0;
const next = () => {
  w = (w + 1) & 1023;
  return w;
};

// --- measurements -------------------------------------------------------------------------

const decoder = new TextDecoder();
const rawGetBytes = async () => (await kv.get(RAW_KEY))?.value;
const rawGetJson = async () => {
  const entry = await kv.get(RAW_KEY);
  return entry === null ? undefined : (JSON.parse(decoder.decode(entry.value)) as unknown);
};
const storeGet = () => store.get(KEY);
const cacheGet = () => cache.get(KEY);
// The application's side of a write includes serialising the value, as the facade does.
const encoder = new TextEncoder();
const rawPut = () => kv.put(rawWriteKeys[next()] as string, encoder.encode(JSON.stringify(USER)));
const cacheSet = () => cache.set(writeKeys[next()] as string, USER, TTL_MS);

const { pairRates, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL);

// Sequential latency in interleaved slices, compared slice by slice (see paired.ts).
const sequential = await interleave([
  ['raw kv.get', rawGetBytes],
  ['store.get', storeGet],
  ['raw kv.get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
  ['raw JSON.stringify + kv.put', rawPut],
  ['cache.set', cacheSet],
]);
const [seqRawBytes, seqStore, seqRawJson, seqCache, seqRawPut, seqCacheSet] = sequential.results as [
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
  MeasureResult,
];
const [tpRawBytes, tpStore] = await pairRates(['raw kv.get', rawGetBytes], ['store.get', storeGet]);
const [tpRawJson, tpCache] = await pairRates(
  ['raw kv.get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);
const [tpRawBytes2, tpCacheVsBytes] = await pairRates(['raw kv.get', rawGetBytes], ['cache.get', cacheGet]);
const [tpRawPut, tpCacheSet] = await pairRates(
  ['raw JSON.stringify + kv.put', rawPut],
  ['cache.set', cacheSet],
);

const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS));

// --- report -------------------------------------------------------------------------------

const rows = comparisonRows(cpuPerOp, IN_FLIGHT);
const speed = (row: number, rawRow: number, atLeast?: number) => ({
  vsRaw: pairedRatio(sequential, row, rawRow),
  ...(atLeast === undefined ? {} : { atLeast }),
});

printTable(`@cache/nats vs raw nats.js KV · ${USER_BYTES.length}-byte object · ${environmentLine()}`, [
  rows.latency(seqRawBytes),
  rows.latency(seqStore, speed(1, 0)),
  rows.latency(seqRawJson),
  rows.latency(seqCache, speed(3, 2, 1)),
  {
    ...rows.latency(seqCache, speed(3, 0)),
    measurement: 'cache.get vs raw kv.get (no parse) · sequential p50',
  },
  rows.latency(seqRawPut),
  rows.latency(seqCacheSet, speed(5, 4, 1)),
  rows.throughput(tpRawBytes),
  rows.throughput(tpStore, { reference: tpRawBytes }),
  rows.throughput(tpRawJson),
  rows.throughput(tpCache, { reference: tpRawJson, atLeast: 1 }),
  rows.throughput(tpRawBytes2),
  {
    ...rows.throughput(tpCacheVsBytes, { reference: tpRawBytes2, atLeast: 0.95 }),
    measurement: `cache.get vs raw kv.get (no parse) · ${IN_FLIGHT} in flight`,
  },
  rows.throughput(tpRawPut),
  rows.throughput(tpCacheSet, { reference: tpRawPut, atLeast: 1 }),
  rows.latency(seqIncrement),
]);
if (server === undefined)
  process.stdout.write(`note: no private nats-server; measured against ${servers}.\n`);

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await kv.purge(RAW_KEY);
await Promise.all(rawWriteKeys.map((key) => kv.purge(key)));
await cache.close();
await connection.close();
await server?.stop();
