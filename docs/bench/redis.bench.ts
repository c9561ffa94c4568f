/**
 * Redis benchmark: the `Cache` facade over `RedisStore` next to raw ioredis, in the
 * same process, against the same server, in the same run.
 *
 * - `get` hit: throughput at 64 in flight and sequential median latency, against raw
 *   `GET` + `JSON.parse` (what an application would write by hand).
 * - `set`: throughput at 64 in flight against raw `SET … PX`.
 * - `getMany(100)`: sequential latency against one raw `GET`.
 * - 1,000 concurrent `remember` calls on one cold key: factory calls, and Redis
 *   commands counted from `INFO commandstats` deltas.
 *
 * The bench starts its own `redis-server` on a free loopback port when the binary is
 * installed, so other users of the shared server neither disturb the timings nor the
 * command counts; otherwise it uses `CACHE_REDIS_URL` (default 127.0.0.1:6379) and the
 * command count may include other clients' commands.
 *
 * Raw ioredis is measured twice: with its defaults (the reference the targets are
 * stated against) and with `enableAutoPipelining: true` (what `RedisStore` enables on
 * the clients it creates), so the table shows how much of the facade's figure is the
 * pipelining.
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench redis`.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { RedisStore } from '@cache/redis';
import { Redis } from 'ioredis';
import {
  environmentLine,
  formatNumber,
  type MeasureResult,
  measure,
  measureConcurrent,
  printTable,
  type TableRow,
} from './harness.js';
import { median } from './paired.js';
import { USER, USER_JSON, TTL_MS } from './fixtures.js';
import { startPrivateServer } from './private-server.js';
import { REDIS_SERVER } from '@cache/integration/servers';

const IN_FLIGHT = 64;
const TOTAL = 100_000;
const PREFIX = `bench-${process.pid}`;

// --- server -------------------------------------------------------------------------------

const server = await startPrivateServer(REDIS_SERVER);
const url =
  server === undefined
    ? (process.env.CACHE_REDIS_URL ?? 'redis://127.0.0.1:6379')
    : `redis://127.0.0.1:${server.port}`;

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

// Writes rotate over 1,024 keys: overwrites, the steady state of a warm cache.
const writeKeys = Array.from({ length: 1024 }, (_, i) => `w:${i}`);
const rawWriteKeys = writeKeys.map((key) => `${PREFIX}:raw:${key}`);
let w = 0;
const next = () => {
  w = (w + 1) & 1023;
  return w;
};

// --- measurements -------------------------------------------------------------------------
//
// The machine is small and shared, so its speed drifts during a run. Each comparison is
// therefore measured in ROUNDS interleaved rounds (raw, facade, facade, raw, …) and
// reported as the median over rounds; the ratio is taken between those medians.

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

type Variant = readonly [name: string, fn: () => Promise<unknown>];

/** Median ops/s of each variant at IN_FLIGHT, over interleaved rounds. */
async function throughputs<const V extends readonly Variant[]>(
  variants: V,
): Promise<{ [K in keyof V]: number }> {
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = variants.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const [name, fn] = variants[i]!;
      const result = await measureConcurrent(name, fn, { inFlight: IN_FLIGHT, total: TOTAL / ROUNDS });
      samples[i]!.push(result.opsPerSec);
    }
  }
  return samples.map(median) as { [K in keyof V]: number };
}

/** Median sequential ns/op of each variant, over interleaved rounds. */
async function latencies<const V extends readonly Variant[]>(
  variants: V,
): Promise<{ [K in keyof V]: number }> {
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    const order = variants.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const [name, fn] = variants[i]!;
      const result: MeasureResult = await measure(name, fn, { rounds: 10, warmupMs: 50 });
      samples[i]!.push(result.medianNs);
    }
  }
  return samples.map(median) as { [K in keyof V]: number };
}

const rawGet = async () => JSON.parse((await raw.get(RAW_KEY)) as string) as unknown;
const rawPipelinedGet = async () => JSON.parse((await rawPipelined.get(RAW_KEY)) as string) as unknown;
const facadeGet = () => cache.get(KEY);
// The application's side of a write includes serialising the value, as the facade does.
const rawSet = () => raw.set(rawWriteKeys[next()]!, JSON.stringify(USER), 'PX', TTL_MS);
const rawPipelinedSet = () => rawPipelined.set(rawWriteKeys[next()]!, JSON.stringify(USER), 'PX', TTL_MS);
const facadeSet = () => cache.set(writeKeys[next()]!, USER, TTL_MS);

const [getRawTp, getRawApTp, getFacadeTp] = await throughputs([
  ['raw GET + JSON.parse', rawGet],
  ['raw GET + JSON.parse, auto-pipelining', rawPipelinedGet],
  ['cache.get', facadeGet],
]);
const [setRawTp, setRawApTp, setFacadeTp] = await throughputs([
  ['raw JSON.stringify + SET PX', rawSet],
  ['raw JSON.stringify + SET PX, auto-pipelining', rawPipelinedSet],
  ['cache.set', facadeSet],
]);
const rawManyKeys = manyKeys.map((key) => `${PREFIX}:${key}`);
const rawMgetParsed = async () =>
  (await raw.mgetBuffer(rawManyKeys)).map((value) =>
    value === null ? undefined : (JSON.parse(value.toString('utf8')) as unknown),
  );
const [getRawSeq, getRawApSeq, getFacadeSeq, rawMgetSeq, rawMgetParsedSeq, getManySeq, getManyUsersSeq] =
  await latencies([
    ['raw GET + JSON.parse', rawGet],
    ['raw GET + JSON.parse, auto-pipelining', rawPipelinedGet],
    ['cache.get', facadeGet],
    ['raw MGET(100), no decoding', () => raw.mgetBuffer(rawManyKeys)],
    ['raw MGET(100) + JSON.parse of each value', rawMgetParsed],
    ['cache.getMany(100)', () => cache.getMany(manyKeys)],
    ['cache.getMany(100), 200-byte objects', () => cache.getMany(manyUserKeys)],
  ]);

// 1,000 concurrent remember calls on one cold key.
async function commandCounts(): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counts.set(match[1]!, Number(match[2]));
  return counts;
}
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

function ratio(value: number, reference: number): string {
  return `${formatNumber(value / reference, 2)}×`;
}

function status(ok: boolean): string {
  return ok ? 'ok' : 'over';
}

const row = (
  measurement: string,
  value: string,
  versus: string,
  target = '',
  ok: boolean | undefined = undefined,
): TableRow => ({
  measurement,
  value,
  'vs raw': versus,
  target,
  status: ok === undefined ? '' : status(ok),
});
const ops = (value: number) => `${formatNumber(value)} ops/s`;
const micros = (ns: number) => `${formatNumber(ns / 1000, 1)} µs`;

printTable(
  `@cache/redis vs raw ioredis · ${USER_JSON.length}-byte object · ${ROUNDS} interleaved rounds · ${environmentLine()}`,
  [
    row(`raw GET + JSON.parse, ${IN_FLIGHT} in flight`, ops(getRawTp), ''),
    row('  same, ioredis auto-pipelining', ops(getRawApTp), ratio(getRawApTp, getRawTp)),
    row(
      `cache.get, ${IN_FLIGHT} in flight`,
      ops(getFacadeTp),
      ratio(getFacadeTp, getRawTp),
      '≥ 0.95×',
      getFacadeTp >= 0.95 * getRawTp,
    ),
    row(`raw JSON.stringify + SET PX, ${IN_FLIGHT} in flight`, ops(setRawTp), ''),
    row('  same, ioredis auto-pipelining', ops(setRawApTp), ratio(setRawApTp, setRawTp)),
    row(
      `cache.set, ${IN_FLIGHT} in flight`,
      ops(setFacadeTp),
      ratio(setFacadeTp, setRawTp),
      '≥ 1.0×',
      setFacadeTp >= setRawTp,
    ),
    row('raw GET + JSON.parse, sequential p50', micros(getRawSeq), ''),
    row('  same, ioredis auto-pipelining', micros(getRawApSeq), ratio(getRawApSeq, getRawSeq)),
    row(
      'cache.get, sequential p50',
      micros(getFacadeSeq),
      ratio(getFacadeSeq, getRawSeq),
      '≤ 1.1×',
      getFacadeSeq <= 1.1 * getRawSeq,
    ),
    row('raw MGET of 100 keys (reference), p50', micros(rawMgetSeq), ratio(rawMgetSeq, getRawSeq)),
    row(
      'raw MGET of 100 keys + JSON.parse each, p50',
      micros(rawMgetParsedSeq),
      ratio(rawMgetParsedSeq, getRawSeq),
    ),
    row(
      'cache.getMany(100) of small values, p50',
      micros(getManySeq),
      ratio(getManySeq, getRawSeq),
      '≤ 1.5× one GET',
      getManySeq <= 1.5 * getRawSeq,
    ),
    row(
      'cache.getMany(100) of 200-byte objects, p50',
      micros(getManyUsersSeq),
      ratio(getManyUsersSeq, getRawSeq),
    ),
    row(
      '1,000 concurrent remember, cold key: factory calls',
      String(factoryCalls),
      '',
      '1',
      factoryCalls === 1 && allSame,
    ),
    row(
      '1,000 concurrent remember, cold key: Redis commands',
      `${commandTotal} (${commands.join(', ')})`,
      '',
      '≤ 3',
      commandTotal <= 3,
    ),
  ],
);
if (server === undefined) {
  process.stdout.write('note: no private redis-server; command counts may include other clients.\n');
}

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await cache.close();
await Promise.all([raw.quit(), rawPipelined.quit(), admin.quit()]);
await server?.stop();
