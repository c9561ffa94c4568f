/**
 * NATS benchmark: `NatsStore` and the `Cache` facade over it next to raw nats.js
 * `kv.get`, in the same process, against the same server and bucket, in the same run.
 *
 * - store level: `store.get` (bytes out of the expiry envelope) against raw
 *   `kv.get(key).value` on a plain KV key;
 * - facade level: `cache.get` (JSON decoded) against raw `kv.get` + `JSON.parse`
 *   (what an application would write by hand);
 * - each as sequential median latency and as throughput with 64 in flight;
 * - `set` against raw `kv.put` (throughput), and `increment` (sequential latency:
 *   a revision-checked read-modify-write, two round trips).
 *
 * The target from the issue: `get` within 1.15× of a raw KV get.
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

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache } from '@cache/core';
import { NatsStore } from '@cache/nats';
import { connect } from 'nats';
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
import { USER, USER_BYTES, TTL_MS } from './fixtures.js';
import { startPrivateServer } from './private-server.js';

const IN_FLIGHT = 64;
const TOTAL = 10_000;
const BUCKET = 'cache_bench';
const PREFIX = `bench-${process.pid}`;
const TARGET_RATIO = 1.15;

// --- server -------------------------------------------------------------------------------

const natsBinary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const storeDir = mkdtempSync(join(tmpdir(), 'cache-nats-bench-'));
const server = existsSync(natsBinary)
  ? await startPrivateServer(
      natsBinary,
      (port) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir],
      () => rmSync(storeDir, { recursive: true, force: true }),
    )
  : undefined;
if (server === undefined) rmSync(storeDir, { recursive: true, force: true });
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

const { throughput, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL);

const [seqRawBytes, seqStore] = await pair(
  latency,
  byMedian,
  ['raw kv.get', rawGetBytes],
  ['store.get', storeGet],
);
const [seqRawJson, seqCache] = await pair(
  latency,
  byMedian,
  ['raw kv.get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);
const [tpRawBytes, tpStore] = await pair(
  throughput,
  byRate,
  ['raw kv.get', rawGetBytes],
  ['store.get', storeGet],
);
const [tpRawJson, tpCache] = await pair(
  throughput,
  byRate,
  ['raw kv.get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);

const tpRawPut = await throughput('raw kv.put', () => kv.put(rawWriteKeys[next()] as string, USER_BYTES));
const tpCacheSet = await throughput('cache.set', () => cache.set(writeKeys[next()] as string, USER, TTL_MS));

const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS));

// --- report -------------------------------------------------------------------------------

function ratio(value: number, reference: number): string {
  return `${formatNumber(value / reference, 2)}×`;
}

const latencyRow = (result: MeasureResult, reference?: MeasureResult): TableRow => {
  const within = reference === undefined ? undefined : result.medianNs <= TARGET_RATIO * reference.medianNs;
  return {
    measurement: `${result.name} sequential p50`,
    value: `${formatNumber(result.medianNs / 1000, 1)} µs`,
    'vs raw': reference === undefined ? '' : ratio(result.medianNs, reference.medianNs),
    target: reference === undefined ? '' : `≤ ${TARGET_RATIO}× raw`,
    status: within === undefined ? '' : within ? 'ok' : 'over',
  };
};

const throughputRow = (
  result: ConcurrentResult,
  reference?: ConcurrentResult,
  withTarget = true,
): TableRow => {
  const within =
    reference === undefined || !withTarget
      ? undefined
      : result.opsPerSec * TARGET_RATIO >= reference.opsPerSec;
  const cpu = cpuPerOp(result);
  const referenceCpu = reference === undefined ? undefined : cpuPerOp(reference);
  return {
    measurement: `${result.name} @${IN_FLIGHT}`,
    value: `${formatNumber(result.opsPerSec)} ops/s`,
    'vs raw': reference === undefined ? '' : ratio(result.opsPerSec, reference.opsPerSec),
    'client CPU/op': `${formatNumber(cpu, 1)} µs`,
    'CPU vs raw': referenceCpu === undefined ? '' : ratio(cpu, referenceCpu),
    target: within === undefined ? '' : `≥ 1/${TARGET_RATIO} raw`,
    status: within === undefined ? '' : within ? 'ok' : 'over',
  };
};

printTable(`@cache/nats vs raw nats.js KV · ${USER_BYTES.length}-byte object · ${environmentLine()}`, [
  latencyRow(seqRawBytes),
  latencyRow(seqStore, seqRawBytes),
  latencyRow(seqRawJson),
  latencyRow(seqCache, seqRawJson),
  throughputRow(tpRawBytes),
  throughputRow(tpStore, tpRawBytes),
  throughputRow(tpRawJson),
  throughputRow(tpCache, tpRawJson),
  throughputRow(tpRawPut),
  throughputRow(tpCacheSet, tpRawPut, false),
  latencyRow(seqIncrement),
]);
if (server === undefined)
  process.stdout.write(`note: no private nats-server; measured against ${servers}.\n`);

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await kv.purge(RAW_KEY);
await Promise.all(rawWriteKeys.map((key) => kv.purge(key)));
await cache.close();
await connection.close();
server?.stop();
