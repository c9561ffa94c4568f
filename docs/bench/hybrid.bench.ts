/**
 * Hybrid tier benchmark (issue 13), against a private redis-server:
 *
 * - L1 hit of a hybrid cache (L1 + RedisStore + RedisBus) next to a memory-only hit,
 *   measured in interleaved slices (target ≤ 1.2×);
 * - distributed single-flight on a cold key: 4 caches (each with its own Redis
 *   connections, as 4 processes would have) × 250 concurrent
 *   `remember(…, { distributed: true })`, factory of 20 ms: wall time vs the
 *   factory's own time (target ≤ factory + 25 ms), factory calls (1), and the Redis
 *   commands per cold key from `INFO commandstats` deltas — without a bus (waiters
 *   poll) and with an L1 + RedisBus per cache (waiters woken by the bus);
 * - propagation across processes: this process writes 1,000 keys, one at a time;
 *   two forked receivers (`hybrid-receiver.ts`) hold them in L1 and note when each
 *   is evicted. Propagation = eviction time − the sender's `set` resolving, on
 *   CLOCK_MONOTONIC (shared by the processes of one host); target p99 ≤ 5 ms;
 * - L2 reads per remote write: GET/MGET calls on the server while the receivers'
 *   keys are overwritten (the sender only writes); target 0.
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench hybrid`.
 *
 * @packageDocumentation
 */

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisBus, RedisStore } from '@cache/redis';
import { Redis } from 'ioredis';
import { TTL_MS, USER } from './fixtures.js';
import { environmentLine, formatNumber, type MeasureResult, printTable, type TableRow } from './harness.js';
import type { ReceiverJob } from './hybrid-receiver.js';
import { interleave, median, pairedRatio } from './paired.js';
import { commandDelta, commandCounts as countCommands } from './command-stats.js';
import { privateRedis } from './private-server.js';

const PREFIX = `bench-hybrid-${process.pid}`;
const NODES = 4;
const CALLS_PER_NODE = 250;
const FACTORY_MS = 20;
const COLD_KEYS = 15;
const RECEIVERS = 2;
const WRITES = 1_000;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
};
const ms = (value: number): string => `${formatNumber(value, 1)} ms`;

// --- server -------------------------------------------------------------------------------

const { url, server } = await privateRedis();
const admin = new Redis(url);

const commandCounts = (): Promise<Map<string, number>> => countCommands(admin);
const delta = commandDelta;
const describeCommands = (counts: Map<string, number>, per: number): string =>
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, calls]) => `${name} ×${formatNumber(calls / per, per === 1 ? 0 : 1)}`)
    .join(', ');
const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

/**
 * The commands clients send while `work` runs, by name, seen through MONITOR (which,
 * unlike INFO commandstats, tells a script's own GET/DEL from a client's). MONITOR
 * slows the server down: only untimed runs use it.
 */
async function clientCommands(work: () => Promise<unknown>): Promise<Map<string, number>> {
  const monitor = await admin.monitor(); // resolves once MONITOR is active
  const counts = new Map<string, number>();
  const marker = `end-${process.pid}-${Date.now()}`;
  const ended = new Promise<void>((resolve) => {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) return resolve();
      if (source === 'lua') return;
      const name = (args[0] ?? '?').toLowerCase();
      counts.set(name, (counts.get(name) ?? 0) + 1);
    });
  });
  await work();
  // Every command of `work` is echoed to the monitor before this one.
  await admin.echo(marker);
  await ended;
  monitor.disconnect();
  return counts;
}

/** A node: a cache with its own store connection, optionally with an L1 and a bus. */
function node(hybrid: boolean, channel: string): { cache: Cache; close: () => Promise<void> } {
  const store = new RedisStore({ url, prefix: PREFIX });
  if (!hybrid) return { cache: new Cache({ store }), close: () => store.close() };
  const bus = new RedisBus({ url, channel });
  const cache = new Cache({ store, l1: new MemoryStore(), bus });
  return {
    cache,
    close: async () => {
      await cache.close();
      await bus.close();
    },
  };
}
async function busReady(cache: Cache): Promise<void> {
  while ((await cache.health()).bus !== 'connected') await pause(5);
}

// --- L1 hit vs memory-only hit -------------------------------------------------------------

const KEY = 'user:48213';
const memoryOnly = new Cache({ store: new MemoryStore() });
await memoryOnly.set(KEY, USER, TTL_MS);
const hybridNode = node(true, `${PREFIX}:hit`);
await busReady(hybridNode.cache);
await hybridNode.cache.set(KEY, USER, TTL_MS);
const hits = await interleave([
  ['memory-only cache.get hit', () => memoryOnly.get(KEY)],
  ['hybrid cache.get L1 hit (RedisStore + RedisBus)', () => hybridNode.cache.get(KEY)],
]);
const [memoryHit, l1Hit] = hits.results as [MeasureResult, MeasureResult];
const l1Ratio = pairedRatio(hits, 1, 0);
await hybridNode.close();

// --- distributed single-flight, cold key ---------------------------------------------------

interface FlightFigures {
  readonly walls: number[];
  readonly factories: number[];
  readonly factoryCalls: number[];
  readonly commands: Map<string, number>;
}

async function coldKeys(hybrid: boolean): Promise<FlightFigures> {
  const nodes = Array.from({ length: NODES }, () => node(hybrid, `${PREFIX}:flight`));
  for (const { cache } of nodes) {
    await cache.get('warm-up'); // connected before the clock starts
    if (hybrid) await busReady(cache);
  }
  const walls: number[] = [];
  const factories: number[] = [];
  const factoryCalls: number[] = [];
  const coldKey = async (key: string): Promise<void> => {
    let calls = 0;
    const started = performance.now();
    await Promise.all(
      nodes.flatMap(({ cache }) =>
        Array.from({ length: CALLS_PER_NODE }, () =>
          cache.remember(
            key,
            TTL_MS,
            async () => {
              calls++;
              const factoryStarted = performance.now();
              await pause(FACTORY_MS);
              factories.push(performance.now() - factoryStarted);
              return USER;
            },
            { distributed: true },
          ),
        ),
      ),
    );
    walls.push(performance.now() - started);
    factoryCalls.push(calls);
  };
  const label = hybrid ? 'bus' : 'poll';
  // One untimed key under MONITOR for the command count, then the timed keys.
  const commands = await clientCommands(() => coldKey(`cold:${label}:counted`));
  walls.length = 0;
  factories.length = 0;
  for (let round = 0; round < COLD_KEYS; round++) await coldKey(`cold:${label}:${round}`);
  await Promise.all(nodes.map(({ close }) => close()));
  return { walls, factories, factoryCalls, commands };
}

const polling = await coldKeys(false);
const woken = await coldKeys(true);

// --- propagation across processes, and L2 reads per remote write ---------------------------

const keys = Array.from({ length: WRITES }, (_, i) => `p:${i}`);
const sender = node(true, `${PREFIX}:propagation`);
await busReady(sender.cache);
for (const key of keys) await sender.cache.set(key, { v: 0 }, TTL_MS);
const receiverScript = fileURLToPath(new URL('./hybrid-receiver.ts', import.meta.url));
type ReceiverMessage = { type: 'ready' } | { type: 'evictions'; evictedAt: Record<string, number> };
const receivers: ChildProcess[] = Array.from({ length: RECEIVERS }, () =>
  fork(receiverScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
);
const nextMessage = (child: ChildProcess) =>
  new Promise<ReceiverMessage>((resolve, reject) => {
    child.once('message', (message: ReceiverMessage) => resolve(message));
    child.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)));
  });
const job: ReceiverJob = { url, prefix: PREFIX, channel: `${PREFIX}:propagation`, keys };
const ready = receivers.map((child) => nextMessage(child));
for (const child of receivers) child.send(job);
await Promise.all(ready);

const writtenAt: number[] = [];
const calledAt: number[] = [];
const readsBefore = await commandCounts();
for (let i = 0; i < WRITES; i++) {
  calledAt.push(nowMs());
  await sender.cache.set(keys[i] as string, { v: 1 }, TTL_MS);
  writtenAt.push(nowMs());
  await pause(1); // one message per write: propagation of a lone write, not of a batch
}
const duringWrites = delta(readsBefore, await commandCounts());
const reports = receivers.map((child) => nextMessage(child));
for (const child of receivers) child.send({ type: 'report' });
const evictions = (await Promise.all(reports)).map((message) =>
  message.type === 'evictions' ? message.evictedAt : {},
);
const propagation: number[] = [];
const fromCall: number[] = [];
let missed = 0;
for (const evictedAt of evictions) {
  keys.forEach((key, i) => {
    const at = evictedAt[key];
    if (at === undefined) missed++;
    else {
      propagation.push(at - (writtenAt[i] as number));
      fromCall.push(at - (calledAt[i] as number));
    }
  });
}
const l2Reads = (duringWrites.get('get') ?? 0) + (duringWrites.get('mget') ?? 0);
const published = duringWrites.get('publish') ?? 0;
await sender.close();

// --- report -------------------------------------------------------------------------------

const row = (measurement: string, value: string, target = '', ok?: boolean): TableRow => ({
  measurement,
  value,
  target,
  status: ok === undefined ? '' : ok ? 'ok' : 'over',
});
const flightRows = (label: string, figures: FlightFigures): TableRow[] => {
  const factory = median(figures.factories);
  const overheads = figures.walls.map((wall, i) => wall - (figures.factories[i] ?? factory));
  const commands = total(figures.commands);
  const single = figures.factoryCalls.every((calls) => calls === 1);
  return [
    row(
      `cold key, ${label}: wall p50 / max (factory ${ms(factory)})`,
      `${ms(median(figures.walls))} / ${ms(Math.max(...figures.walls))}`,
      `p50 ≤ factory + 25 ms`,
      median(overheads) <= 25,
    ),
    row(
      `cold key, ${label}: wall − factory, p50 / max`,
      `${ms(median(overheads))} / ${ms(Math.max(...overheads))}`,
    ),
    row(
      `cold key, ${label}: factory calls per key (${NODES} × ${CALLS_PER_NODE} callers)`,
      `${Math.min(...figures.factoryCalls)}–${Math.max(...figures.factoryCalls)} over ${figures.factoryCalls.length} keys`,
      '1',
      single,
    ),
    row(
      `cold key, ${label}: Redis commands sent for one key (MONITOR)`,
      `${commands} (${describeCommands(figures.commands, 1)})`,
    ),
  ];
};

printTable(`hybrid tier · ${environmentLine()}`, [
  row('memory-only cache.get hit · sequential p50', `${formatNumber(memoryHit.medianNs, 1)} ns`),
  row(
    'hybrid L1 hit · sequential p50 (vs memory-only, paired)',
    `${formatNumber(l1Hit.medianNs, 1)} ns (${formatNumber(l1Ratio, 2)}×)`,
    '≤ 1.2×',
    l1Ratio <= 1.2,
  ),
  ...flightRows('no bus (waiters poll)', polling),
  ...flightRows('L1 + RedisBus (waiters woken)', woken),
  row(
    `propagation, set resolved → remote L1 evicted, p50 / p99 (${RECEIVERS} processes × ${WRITES} writes)`,
    `${ms(percentile(propagation, 0.5))} / ${ms(percentile(propagation, 0.99))}`,
    'p99 ≤ 5 ms',
    percentile(propagation, 0.99) <= 5 && missed === 0,
  ),
  row(
    'propagation, set called → remote L1 evicted, p50 / p99 / max',
    `${ms(percentile(fromCall, 0.5))} / ${ms(percentile(fromCall, 0.99))} / ${ms(Math.max(...fromCall))}`,
  ),
  row('writes whose eviction never arrived', String(missed), '0', missed === 0),
  row(
    `L2 reads per remote write (GET/MGET during ${WRITES} writes; ${published} PUBLISH)`,
    formatNumber(l2Reads / WRITES, 3),
    '0',
    l2Reads === 0,
  ),
]);
if (server === undefined) {
  process.stdout.write('note: no private redis-server; command counts may include other clients.\n');
}

// --- clean up -----------------------------------------------------------------------------

await memoryOnly.close();
const cleaner = new RedisStore({ url, prefix: PREFIX });
await cleaner.flush();
await cleaner.close();
await admin.quit();
await server?.stop();
