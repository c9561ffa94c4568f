/**
 * Observability benchmark: what stats, events and tracing cost on the hot paths.
 *
 * - the memory `get` hit and `remember` hit of today's `@cache/core` next to the same
 *   calls of the core *before* observability (commit 00a328a), in one process and in
 *   interleaved slices, compared slice by slice (target: `get` hit ≤ 1.1×). The
 *   "before" core is a build outside the repository — a git worktree of that commit
 *   with only `@cache/core` built — imported by absolute path from
 *   `CACHE_CORE_BEFORE` (default `/tmp/core-before`; the worktree root or its
 *   `packages/core/dist/index.js`). Where it is missing (CI), those rows are skipped
 *   and the bench says so;
 * - a memory `get` hit with a `hit` listener attached (the cost of events);
 * - a memory `get` hit and a Redis `get` (private redis-server) with and without a
 *   `diagnostics_channel` subscriber on `cache:get` and `cache:store` (the cost of
 *   tracing once someone subscribes), in interleaved slices and, for Redis, as client
 *   CPU per `get` with 64 in flight (today traced vs not, today vs before). The
 *   subscriber's handlers do nothing: the figure is the library's share; an APM adds
 *   its own.
 *
 * Both cores read through the same driver packages (`@cache/memory`, `@cache/redis`),
 * so only the facade differs. Prepare the "before" build with:
 *
 *   git worktree add /tmp/core-before 00a328a
 *   cd /tmp/core-before && pnpm install --frozen-lockfile --filter @cache/core... \
 *     && pnpm --filter @cache/core build
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench stats`.
 *
 * @packageDocumentation
 */

import { type TracingChannelSubscribers, tracingChannel } from 'node:diagnostics_channel';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisStore } from '@cache/redis';
import { TTL_MS, type User, USER } from './fixtures.js';
import {
  type ConcurrentResult,
  environmentLine,
  formatNumber,
  type MeasureResult,
  printTable,
  type TableRow,
} from './harness.js';
import { createCpuThroughput, type Interleaved, interleave, pairedRatio, type Row } from './paired.js';
import { privateRedis } from './private-server.js';

type Core = typeof import('@cache/core');

const KEY = 'user:48213';
const PREFIX = `bench-stats-${process.pid}`;
const loadUser = (): User => USER;

// --- the core before observability ---------------------------------------------------------

const beforeSetting = process.env.CACHE_CORE_BEFORE ?? '/tmp/core-before';
const beforeEntry = beforeSetting.endsWith('.js')
  ? beforeSetting
  : join(beforeSetting, 'packages/core/dist/index.js');

/** The "before" core, or why it is not compared. */
async function loadBefore(): Promise<Core | string> {
  if (!existsSync(beforeEntry)) {
    return `no "before" build at ${beforeEntry} (set CACHE_CORE_BEFORE; see this file's header)`;
  }
  const core = (await import(pathToFileURL(beforeEntry).href)) as Core;
  // A build of today's core would compare the change with itself: refuse it.
  if ('stats' in core.Cache.prototype) return `${beforeEntry} already has stats(): not a build from before`;
  return core;
}
const before = await loadBefore();
if (typeof before === 'string') process.stdout.write(`\nskipping the before/after comparison: ${before}\n`);
const beforeCore = typeof before === 'string' ? undefined : before;

// --- memory: today vs before, and a `hit` listener --------------------------------------------

const now = new Cache({ store: new MemoryStore() });
await now.set(KEY, USER, TTL_MS);
const listened = new Cache({ store: new MemoryStore() });
await listened.set(KEY, USER, TTL_MS);
let heard = 0;
listened.on('hit', () => {
  heard++;
});
const old = beforeCore === undefined ? undefined : new beforeCore.Cache({ store: new MemoryStore() });
await old?.set(KEY, USER, TTL_MS);
// A second, identical "before" cache: its ratio to the first is the slices' noise (A/A).
const control = beforeCore === undefined ? undefined : new beforeCore.Cache({ store: new MemoryStore() });
await control?.set(KEY, USER, TTL_MS);

/** Fails the run when a row would time something other than a hit. */
async function assertHits(rows: readonly Row[]): Promise<void> {
  for (const [name, fn] of rows) if ((await fn()) === undefined) throw new Error(`${name}: not a hit`);
}

const memoryRows: Row[] = [
  ['memory get hit, now', () => now.get<User>(KEY)],
  ["memory get hit, now, a 'hit' listener", () => listened.get<User>(KEY)],
  ['memory remember hit, now', () => now.remember(KEY, TTL_MS, loadUser)],
];
if (old !== undefined && control !== undefined) {
  memoryRows.push(
    ['memory get hit, before', () => old.get<User>(KEY)],
    ['memory remember hit, before', () => old.remember(KEY, TTL_MS, loadUser)],
    ['memory get hit, before (A/A control)', () => control.get<User>(KEY)],
  );
}
await assertHits(memoryRows);
const hitsBefore = now.stats().hits;
const memory = await interleave(memoryRows);
// The fast path must still count (and the listener hear) every hit it serves.
if (now.stats().hits === hitsBefore) throw new Error('the memory get hits were not counted');
if (heard === 0) throw new Error("the 'hit' listener heard nothing");

// --- tracing on and off: memory and Redis -----------------------------------------------------

const { url, server } = await privateRedis();
const redisStore = new RedisStore({ url, prefix: PREFIX });
const redis = new Cache({ store: redisStore });
await redis.set(KEY, USER, TTL_MS);
// The same store (one connection) under the old facade: only the facade differs.
const oldRedis = beforeCore === undefined ? undefined : new beforeCore.Cache({ store: redisStore });

let tracedCalls = 0;
const noop = (): void => {};
const subscriber: TracingChannelSubscribers<object> = {
  start: noop,
  end: noop,
  asyncStart: noop,
  asyncEnd: () => {
    tracedCalls++;
  },
  error: noop,
};
const channels = [tracingChannel('cache:get'), tracingChannel('cache:store')];
let subscribed = false;
/**
 * Subscribes or unsubscribes, at the first call of a slice (measure's untimed
 * probe call). Every row pays the same boolean test, traced or not.
 */
const tracing = (on: boolean): void => {
  if (on === subscribed) return;
  for (const channel of channels) {
    if (on) channel.subscribe(subscriber);
    else channel.unsubscribe(subscriber);
  }
  subscribed = on;
};
/** A row's call, made with the subscriber attached (`on`) or not. */
const withTracing = (on: boolean, get: () => Promise<unknown>) => (): Promise<unknown> => {
  tracing(on);
  return get();
};
const memoryGet = () => now.get<User>(KEY);
const redisGet = () => redis.get<User>(KEY);
const oldRedisGet = oldRedis === undefined ? undefined : () => oldRedis.get<User>(KEY);

const tracingRows: Row[] = [
  ['memory get hit', withTracing(false, memoryGet)],
  ['memory get hit, traced', withTracing(true, memoryGet)],
  ['redis get hit', withTracing(false, redisGet)],
  ['redis get hit, traced', withTracing(true, redisGet)],
];
if (oldRedisGet !== undefined) tracingRows.push(['redis get hit, before', withTracing(false, oldRedisGet)]);
await assertHits(tracingRows);
const traces = await interleave(tracingRows);
// A Redis round trip (~40 µs here) dwarfs the library's few µs: client CPU per get, 64
// in flight, is what this process spends, without the server's share of the wall time.
const IN_FLIGHT = 64;
const cpu = createCpuThroughput(IN_FLIGHT, 20_000);
const [cpuPlain, cpuTraced] = await cpu.pairRates(
  ['redis get hit', withTracing(false, redisGet)],
  ['redis get hit, traced', withTracing(true, redisGet)],
);
const cpuBefore =
  oldRedisGet === undefined
    ? undefined
    : await cpu.pairRates(
        ['redis get hit, before', withTracing(false, oldRedisGet)],
        ['redis get hit', withTracing(false, redisGet)],
      );
tracing(false);
if (tracedCalls === 0) throw new Error('the tracing subscriber saw no call');

// --- report -------------------------------------------------------------------------------------

const ns = (result: MeasureResult): string =>
  `${formatNumber(result.medianNs, result.medianNs < 1_000 ? 1 : 0)} ns`;
const resultOf = (group: Interleaved, name: string): [number, MeasureResult] => {
  const index = group.results.findIndex((result) => result.name === name);
  if (index < 0) throw new Error(`no row ${name}`);
  return [index, group.results[index] as MeasureResult];
};
const ratioRows: TableRow[] = [];
const ratioRow = (group: Interleaved, name: string, reference: string, max?: number): void => {
  const [a, result] = resultOf(group, name);
  const [b, over] = resultOf(group, reference);
  const ratio = pairedRatio(group, a, b);
  ratioRows.push({
    measurement: name,
    median: ns(result),
    reference: `${reference}: ${ns(over)}`,
    ratio: `${formatNumber(ratio, 2)}×`,
    target: max === undefined ? '' : `≤ ${formatNumber(max, 2)}×`,
    status: max === undefined ? '' : ratio <= max ? 'ok' : 'over',
  });
};
if (old !== undefined) {
  ratioRow(memory, 'memory get hit, now', 'memory get hit, before', 1.1);
  ratioRow(memory, 'memory remember hit, now', 'memory remember hit, before');
  ratioRow(memory, 'memory get hit, before (A/A control)', 'memory get hit, before');
}
ratioRow(memory, "memory get hit, now, a 'hit' listener", 'memory get hit, now');
ratioRow(traces, 'memory get hit, traced', 'memory get hit');
ratioRow(traces, 'redis get hit, traced', 'redis get hit');
if (oldRedis !== undefined) ratioRow(traces, 'redis get hit', 'redis get hit, before');
const cpuRows: TableRow[] = [];
const cpuRow = (result: ConcurrentResult, reference: ConcurrentResult): void => {
  const ratio = cpu.cpuPerOp(result) / cpu.cpuPerOp(reference);
  cpuRows.push({
    measurement: `${result.name} · ${IN_FLIGHT} in flight`,
    'ops/s': formatNumber(result.opsPerSec),
    'client CPU/op': `${formatNumber(cpu.cpuPerOp(result), 1)} µs`,
    reference: `${reference.name}: ${formatNumber(cpu.cpuPerOp(reference), 1)} µs`,
    'CPU ratio': `${formatNumber(ratio, 2)}×`,
  });
};
cpuRow(cpuTraced, cpuPlain);
if (cpuBefore !== undefined) cpuRow(cpuBefore[1], cpuBefore[0]);
printTable(
  `Observability costs · median of per-slice ratios over ${memory.slices[0]?.length ?? 0} slices · ` +
    `${server === undefined ? `shared redis ${url}` : 'private redis-server'} · ${environmentLine()}`,
  ratioRows,
);
printTable('Redis get, client CPU per operation (middle of 3 alternating runs each)', cpuRows);

await now.close();
await listened.close();
await old?.close();
await control?.close();
await redis.flush();
await redis.close(); // closes the shared store; the old facade's close would close it twice
await server?.stop();
