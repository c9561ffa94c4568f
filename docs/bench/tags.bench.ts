/**
 * Tags and namespaces benchmark (issue 14), against a private redis-server:
 *
 * - hits of a tagged entry (2 tags) next to an untagged one, in interleaved slices:
 *   an L1 hit of a hybrid cache (L1 + RedisStore + RedisBus; target ≤ 1.3×), a hit of
 *   a memory-only cache, and a namespaced hit (`cache.namespace('ns')`) next to the
 *   root's. The Redis GET/MGET calls during those slices are counted (expected 0);
 * - `deleteByTag` of a tag carried by 100,000 entries written with `setMany`, next to
 *   `deleteMany` of 100,000 untagged keys and `deleteByTag` of a tag no entry carries,
 *   in rotating order over a few rounds: wall time, store calls (round trips, through
 *   `recordingStore`) and Redis commands (`INFO commandstats` deltas, the increment
 *   script's own commands included); afterwards a sample of the entries must read as
 *   misses, on this node and on a second node that reads versions on every read;
 * - L2 reads without L1: a tagged `get` next to an untagged one, with the default
 *   `tagCheckInterval` (versions trusted for 1 s) and with `tagCheckInterval: 0`
 *   (strict: one extra round trip per read): time ratio in interleaved slices, and
 *   Redis commands per `get` over a counted run.
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench tags`.
 *
 * @packageDocumentation
 */

import { Cache, MISS } from '@cache/core';
import { recordingStore } from '@cache/contract/faults';
import { MemoryStore } from '@cache/memory';
import { RedisBus, RedisStore } from '@cache/redis';
import { Redis } from 'ioredis';
import { TTL_MS, type User, USER } from './fixtures.js';
import { environmentLine, formatNumber, type MeasureResult, printTable, type TableRow } from './harness.js';
import { type Interleaved, interleave, median, pairedRatio, type Row } from './paired.js';
import { privateRedis } from './private-server.js';
import { commandsDuring as commandsDuringOf } from './command-stats.js';

const PREFIX = `bench-tags-${process.pid}`;
const KEY = 'user:48213';
const TAGGED_KEY = 'user:48213:tagged';
const TAGS = ['user:48213', 'org:7'];
const ENTRIES = 100_000;
const WRITE_BATCH = 1_000;
const DELETE_ROUNDS = 3;
const SAMPLE_EVERY = 100; // 1,000 of the 100,000 keys, spread over the whole range
const COUNT_MS = 2_000; // long enough for versions trusted 1 s to be re-read about twice

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (value: number): string => `${formatNumber(value, value < 10 ? 2 : 1)} ms`;
const ns = (result: MeasureResult): string => `${formatNumber(result.medianNs, 1)} ns`;
const times = (ratio: number): string => `${formatNumber(ratio, 2)}×`;

// --- server -------------------------------------------------------------------------------

const { url, server } = await privateRedis();
const admin = new Redis(url);

const commandsDuring = (work: () => Promise<unknown>): Promise<Map<string, number>> =>
  commandsDuringOf(admin, work);
const describe = (counts: ReadonlyMap<string, number>, per = 1): string =>
  counts.size === 0
    ? 'none'
    : [...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([name, calls]) => `${name} ×${formatNumber(calls / per, per === 1 ? 0 : 4)}`)
        .join(', ');
const l2Reads = (counts: ReadonlyMap<string, number>): number =>
  (counts.get('get') ?? 0) + (counts.get('mget') ?? 0);

/** Fails the run when a row would time something other than a hit. */
async function assertHits(rows: readonly Row[]): Promise<void> {
  for (const [name, fn] of rows) if ((await fn()) === undefined) throw new Error(`${name}: not a hit`);
}

// --- hits: tagged vs untagged, namespaced vs root -------------------------------------------

const memory = new Cache({ store: new MemoryStore() });
const memoryNs = memory.namespace('ns');
await memory.set(KEY, USER, TTL_MS);
await memory.set(TAGGED_KEY, USER, TTL_MS, { tags: TAGS });
await memoryNs.set(KEY, USER, TTL_MS);

const l1 = new MemoryStore();
const bus = new RedisBus({ url, channel: PREFIX });
const hybrid = new Cache({ store: new RedisStore({ url, prefix: PREFIX }), l1, bus });
// L1 is bypassed until the bus has subscribed: write once it has.
while ((await hybrid.health()).bus !== 'connected') await pause(5);
await hybrid.set(KEY, USER, TTL_MS);
await hybrid.set(TAGGED_KEY, USER, TTL_MS, { tags: TAGS });
for (const key of [KEY, TAGGED_KEY]) {
  if (l1.peekValue(key) === MISS) throw new Error(`the hybrid L1 does not hold ${key}`);
}

const hitRows: Row[] = [
  ['memory cache.get hit, untagged', () => memory.get<User>(KEY)],
  ['memory cache.get hit, 2 tags', () => memory.get<User>(TAGGED_KEY)],
  ["memory cache.namespace('ns').get hit", () => memoryNs.get<User>(KEY)],
  ['hybrid L1 hit, untagged', () => hybrid.get<User>(KEY)],
  ['hybrid L1 hit, 2 tags', () => hybrid.get<User>(TAGGED_KEY)],
];
await assertHits(hitRows);
let hits: Interleaved | undefined;
const duringHits = await commandsDuring(async () => {
  hits = await interleave(hitRows);
});
if (hits === undefined) throw new Error('unreachable');
// Closed now, so that their connections (the bus's keep-alive PINGs) stay out of later counts.
await memory.close();
await hybrid.close();
await bus.close();

// --- deleteByTag over 100,000 entries vs deleteMany of 100,000 keys ---------------------------

const recorder = recordingStore(new RedisStore({ url, prefix: PREFIX }));
const writer = new Cache({ store: recorder });
// A second node that reads versions on every read: what it sees is the store's state.
const strictNode = new Cache({ store: new RedisStore({ url, prefix: PREFIX }), tagCheckInterval: 0 });
const taggedKeys = Array.from({ length: ENTRIES }, (_, i) => `t:${i}`);
const plainKeys = Array.from({ length: ENTRIES }, (_, i) => `d:${i}`);
const sampleOf = (keys: readonly string[]) => keys.filter((_, i) => i % SAMPLE_EVERY === 0);
const taggedSample = sampleOf(taggedKeys);
const plainSample = sampleOf(plainKeys);

async function writeAll(keys: readonly string[], tags?: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += WRITE_BATCH) {
    await writer.setMany(
      keys.slice(i, i + WRITE_BATCH).map((key) => ({ key, value: USER, ttl: TTL_MS, tags })),
    );
  }
}
async function hitCount(cache: Cache, keys: readonly string[]): Promise<number> {
  return (await cache.getMany<User>(keys)).filter((value) => value !== undefined).length;
}

interface Invalidation {
  readonly wallMs: number;
  readonly storeCalls: ReadonlyMap<string, number>;
  readonly commands: ReadonlyMap<string, number>;
}
async function invalidation(work: () => Promise<void>): Promise<Invalidation> {
  recorder.reset();
  let wallMs = 0;
  const commands = await commandsDuring(async () => {
    const started = performance.now();
    await work();
    wallMs = performance.now() - started;
  });
  const storeCalls = new Map<string, number>();
  for (const { op } of recorder.calls) storeCalls.set(op, (storeCalls.get(op) ?? 0) + 1);
  return { wallMs, storeCalls, commands };
}

const deletions: readonly (readonly [string, () => Promise<void>])[] = [
  [`deleteByTag('t'), ${formatNumber(ENTRIES)} entries carry it`, () => writer.deleteByTag('t')],
  [`deleteMany of ${formatNumber(ENTRIES)} untagged keys (reference)`, () => writer.deleteMany(plainKeys)],
  ["deleteByTag('none'), no entry carries it", () => writer.deleteByTag('none')],
];
// The first increment ever loads the server's increment script (NOSCRIPT, then EVAL): not timed.
await writer.deleteByTag('warm-up');
const deletionRuns: Invalidation[][] = deletions.map(() => []);
const writeMs: number[] = [];
let hitsBefore = 0;
let hitsAfter = 0;
for (let round = 0; round < DELETE_ROUNDS; round++) {
  const started = performance.now();
  await writeAll(taggedKeys, ['t']);
  writeMs.push(performance.now() - started);
  await writeAll(plainKeys);
  for (const cache of [writer, strictNode]) {
    hitsBefore += (await hitCount(cache, taggedSample)) + (await hitCount(cache, plainSample));
  }
  // Rotating order, so that no deletion always runs on a server just busy with another.
  for (let j = 0; j < deletions.length; j++) {
    const index = (j + round) % deletions.length;
    deletionRuns[index]!.push(await invalidation(deletions[index]![1]));
  }
  for (const cache of [writer, strictNode]) {
    hitsAfter += (await hitCount(cache, taggedSample)) + (await hitCount(cache, plainSample));
  }
}

// --- L2 reads without L1: tagged vs untagged, default and strict tagCheckInterval -----------

const l2Default = new Cache({ store: new RedisStore({ url, prefix: PREFIX }) });
const l2Strict = new Cache({ store: new RedisStore({ url, prefix: PREFIX }), tagCheckInterval: 0 });
await l2Default.set(KEY, USER, TTL_MS);
await l2Default.set(TAGGED_KEY, USER, TTL_MS, { tags: TAGS });
const readRows: Row[] = [
  ['L2 get, untagged (default cache)', () => l2Default.get<User>(KEY)],
  ["L2 get, 2 tags, tagCheckInterval '1s' (default)", () => l2Default.get<User>(TAGGED_KEY)],
  ['L2 get, untagged (strict cache)', () => l2Strict.get<User>(KEY)],
  ['L2 get, 2 tags, tagCheckInterval 0 (strict)', () => l2Strict.get<User>(TAGGED_KEY)],
];
await assertHits(readRows);
const reads = await interleave(readRows);
const readCounts: { commands: Map<string, number>; gets: number; seconds: number }[] = [];
for (const [, fn] of readRows) {
  let gets = 0;
  const started = performance.now();
  const commands = await commandsDuring(async () => {
    for (const until = started + COUNT_MS; performance.now() < until; gets++) await fn();
  });
  readCounts.push({ commands, gets, seconds: (performance.now() - started) / 1e3 });
}

// --- report -------------------------------------------------------------------------------

const row = (measurement: string, value: string, target = '', ok?: boolean): TableRow => ({
  measurement,
  value,
  target,
  status: ok === undefined ? '' : ok ? 'ok' : 'over',
});

const [memoryHit, memoryTagged, memoryNsHit, l1Hit, l1Tagged] = hits.results as MeasureResult[];
const l1Ratio = pairedRatio(hits, 4, 3);
printTable(`tags · hits, paired over ${hits.slices[0]!.length} slices · ${environmentLine()}`, [
  row(memoryHit!.name, ns(memoryHit!)),
  row(`${memoryTagged!.name} (÷ untagged)`, `${ns(memoryTagged!)} (${times(pairedRatio(hits, 1, 0))})`),
  row(`${memoryNsHit!.name} (÷ root)`, `${ns(memoryNsHit!)} (${times(pairedRatio(hits, 2, 0))})`),
  row(`${l1Hit!.name} (÷ memory untagged)`, `${ns(l1Hit!)} (${times(pairedRatio(hits, 3, 0))})`),
  row(
    `${l1Tagged!.name} (÷ hybrid untagged)`,
    `${ns(l1Tagged!)} (${times(l1Ratio)})`,
    '≤ 1.3×',
    l1Ratio <= 1.3,
  ),
  row(
    'L2 reads (GET/MGET) during the hit slices',
    `${l2Reads(duringHits)} (all commands: ${describe(duringHits)})`,
    '0',
    l2Reads(duringHits) === 0,
  ),
]);

const deletionRows = deletions.flatMap(([name], i): TableRow[] => {
  const runs = deletionRuns[i]!;
  const walls = runs.map((run) => run.wallMs);
  const last = runs[runs.length - 1]!;
  const roundTrips = [...last.storeCalls.values()].reduce((a, b) => a + b, 0);
  const sameCounts = runs.every((run) => describe(run.commands) === describe(last.commands));
  return [
    row(
      `${name}: wall p50 (min–max over ${runs.length} rounds)`,
      `${ms(median(walls))} (${ms(Math.min(...walls))}–${ms(Math.max(...walls))})`,
    ),
    row(`${name}: store calls (round trips)`, `${roundTrips} (${describe(last.storeCalls)})`),
    row(
      `${name}: Redis commands${sameCounts ? '' : ' (last round; rounds differ)'}`,
      describe(last.commands),
    ),
  ];
});
const sampled = 2 * (taggedSample.length + plainSample.length);
printTable(`tags · deleteByTag vs deleteMany · ${DELETE_ROUNDS} rounds, rotating order`, [
  row(
    `write ${formatNumber(ENTRIES)} tagged entries (setMany × ${ENTRIES / WRITE_BATCH}), p50`,
    ms(median(writeMs)),
  ),
  ...deletionRows,
  row(
    `sampled reads that hit before the deletions (${sampled} per round: 2 nodes × 2 key sets)`,
    `${hitsBefore} of ${sampled * DELETE_ROUNDS}`,
    'all',
    hitsBefore === sampled * DELETE_ROUNDS,
  ),
  row(
    `sampled reads that still hit after the deletions (${sampled} per round)`,
    String(hitsAfter),
    '0',
    hitsAfter === 0,
  ),
]);

const readRatio = (a: number, b: number) => times(pairedRatio(reads, a, b));
const perGet = (i: number): string => {
  const { commands, gets, seconds } = readCounts[i]!;
  const mgets = commands.get('mget') ?? 0;
  return `${describe(commands, gets)} (${formatNumber(gets)} gets, ${formatNumber(mgets)} MGET in ${formatNumber(seconds, 1)} s)`;
};
const roundTripsPerGet = (i: number) => l2Reads(readCounts[i]!.commands) / readCounts[i]!.gets;
// Versions trusted for 1 s: one GET per get, and an MGET per second of reading (one more at the start).
const versionReadsOk = (i: number) => {
  const { commands, gets, seconds } = readCounts[i]!;
  return commands.get('get') === gets && (commands.get('mget') ?? 0) <= Math.ceil(seconds) + 1;
};
const [plainRead, taggedRead, strictPlainRead, strictRead] = reads.results as MeasureResult[];
printTable(`tags · L2 reads, no L1 · paired over ${reads.slices[0]!.length} slices`, [
  row(plainRead!.name, ns(plainRead!)),
  row(`${taggedRead!.name} (÷ untagged)`, `${ns(taggedRead!)} (${readRatio(1, 0)})`),
  row(`${strictPlainRead!.name}`, ns(strictPlainRead!)),
  row(`${strictRead!.name} (÷ untagged)`, `${ns(strictRead!)} (${readRatio(3, 2)})`),
  row(
    `commands per get, untagged (${formatNumber(COUNT_MS / 1e3)} s of reads each)`,
    perGet(0),
    '1',
    roundTripsPerGet(0) === 1,
  ),
  row("commands per get, 2 tags, '1s'", perGet(1), '1 + ≤ 1 MGET/s', versionReadsOk(1)),
  row('commands per get, 2 tags, strict', perGet(3), '2', roundTripsPerGet(3) === 2),
]);
if (server === undefined) {
  process.stdout.write('note: no private redis-server; command counts may include other clients.\n');
}

// --- clean up -----------------------------------------------------------------------------

await Promise.all([writer, strictNode, l2Default, l2Strict].map((cache) => cache.close()));
const cleaner = new RedisStore({ url, prefix: PREFIX });
await cleaner.flush();
await cleaner.close();
await admin.quit();
await server?.stop();
