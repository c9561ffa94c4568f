/**
 * Workload 2, Redis only (no in-process tier): `get` of a resident key and `set`
 * (overwrites rotating over 1,024 keys), sequentially and with 64 calls in flight.
 * Ours `RedisStore`; BentoCache its redis driver as L2 without L1 or bus;
 * cache-manager one `@keyv/redis` store.
 *
 * - Sequential: six rows (get and set of each library) in 30 interleaved slices of
 *   rotating order; figure = median µs per call, range = p25–p75 of the slices,
 *   "vs ours" = median of per-slice ratios.
 * - 64 in flight: 20,000 timed calls after 1,280 untimed ones, per library, in
 *   rotating order, 5 times over; figure = median rate, range = min–max, "vs ours"
 *   = median of per-repetition ratios. Client CPU per call (`process.cpuUsage`) is
 *   recorded too: it shows each library's own cost even while the server or the
 *   shared machine limits the rate.
 * - Redis commands one `get` and one `set` cost, from `INFO commandstats` deltas.
 *
 * @packageDocumentation
 */

import { Redis } from 'ioredis';
import { commandsDuring } from '../command-stats.js';
import { USER } from '../fixtures.js';
import type { ConcurrentResult } from '../harness.js';
import { createCpuThroughput, interleave, pairedRatio, type Row } from '../paired.js';
import {
  type Figure,
  interquartile,
  type Measure,
  pairedMedian,
  spread,
  type WorkloadContext,
  type WorkloadResult,
} from './figures.js';
import { LABELS } from './figures.js';
import { type Library, LIBRARIES, type Peer, redisPeers, SETUP } from './libraries.js';

const KEY = 'user:48213';
const IN_FLIGHT = 64;
const TOTAL = 20_000;
const REPETITIONS = 5;
const SLICES = 30;

/** A `set` that overwrites one of 1,024 keys per call, in turn (a warm cache's steady state). */
function rotatingSet(peer: Peer): () => Promise<unknown> {
  const keys = Array.from({ length: 1024 }, (_, i) => `w:${i}`);
  let next = 0;
  return () => {
    next = (next + 1) & 1023;
    return peer.set(keys[next] as string, USER);
  };
}

export async function run({ url, prefix }: WorkloadContext): Promise<WorkloadResult> {
  const started = performance.now();
  const peers = redisPeers(url, prefix);
  const list = LIBRARIES.map((library) => peers[library]);
  for (const peer of list) {
    await peer.set(KEY, USER);
    const value = (await peer.get(KEY)) as { id?: number } | undefined;
    if (value?.id !== USER.id) throw new Error(`${peer.library}: the key did not read back`);
  }
  const sets = list.map(rotatingSet);

  // --- sequential ---------------------------------------------------------------------------
  const rows: Row[] = [
    ...list.map((peer): Row => [`${peer.library} get`, () => peer.get(KEY)]),
    ...list.map((peer, i): Row => [`${peer.library} set`, sets[i] as () => Promise<unknown>]),
  ];
  const sequential = await interleave(rows, { slices: SLICES });
  const µs = (row: number) => (sequential.slices[row] as number[]).map((ns) => ns / 1000);
  const sequentialFigures = (offset: number): Figure[] =>
    LIBRARIES.map((library, i) =>
      interquartile(library, µs(offset + i), pairedRatio(sequential, offset + i, offset)),
    );

  // --- 64 in flight -------------------------------------------------------------------------
  const { throughput, cpuPerOp } = createCpuThroughput(IN_FLIGHT, TOTAL, { warmupPerLane: 20 });
  const rates = { get: LIBRARIES.map(() => [] as number[]), set: LIBRARIES.map(() => [] as number[]) };
  const cpu = { get: LIBRARIES.map(() => [] as number[]), set: LIBRARIES.map(() => [] as number[]) };
  for (let repetition = 0; repetition < REPETITIONS; repetition++) {
    for (const op of ['get', 'set'] as const) {
      for (let j = 0; j < list.length; j++) {
        const index = (j + repetition) % list.length;
        const peer = list[index] as Peer;
        const call = op === 'get' ? () => peer.get(KEY) : (sets[index] as () => Promise<unknown>);
        const result: ConcurrentResult = await throughput(`${peer.library} ${op}`, call);
        (rates[op][index] as number[]).push(result.opsPerSec);
        (cpu[op][index] as number[]).push(cpuPerOp(result));
      }
    }
  }
  const repeated = (samples: number[][]): Figure[] =>
    LIBRARIES.map((library, i) =>
      spread(library, samples[i] as number[], pairedMedian(samples[i] as number[], samples[0] as number[])),
    );

  // --- commands per call --------------------------------------------------------------------
  const admin = new Redis(url);
  const commands = async (work: () => Promise<unknown>): Promise<string> => {
    const counts = await commandsDuring(admin, work);
    return [...counts].map(([name, calls]) => `${name.toUpperCase()} ×${calls}`).join(', ') || 'none';
  };
  const perCall: string[] = [];
  for (const [i, peer] of list.entries()) {
    const get = await commands(() => peer.get(KEY));
    const set = await commands(sets[i] as () => Promise<unknown>);
    perCall.push(`${LABELS[peer.library as Library]}: get → ${get}; set → ${set}`);
  }
  await admin.quit();
  for (const peer of list) await peer.close();

  const latency = (id: string, label: string, offset: number): Measure => ({
    id,
    label,
    unit: 'µs/op',
    better: 'lower',
    range: `p25–p75 of ${SLICES} interleaved slices`,
    figures: sequentialFigures(offset),
  });
  const range = `min–max of ${REPETITIONS} rotating repetitions`;
  return {
    id: 'redis',
    title: 'Redis only: get and set, sequential and 64 in flight',
    setup: SETUP.redis,
    measures: [
      latency('redis-get-sequential', 'get, sequential', 0),
      latency('redis-set-sequential', 'set, sequential', LIBRARIES.length),
      {
        id: 'redis-get-64',
        label: `get, ${IN_FLIGHT} in flight`,
        unit: 'ops/s',
        better: 'higher',
        range,
        figures: repeated(rates.get),
      },
      {
        id: 'redis-set-64',
        label: `set, ${IN_FLIGHT} in flight`,
        unit: 'ops/s',
        better: 'higher',
        range,
        figures: repeated(rates.set),
      },
      {
        id: 'redis-get-64-cpu',
        label: `client CPU per get, ${IN_FLIGHT} in flight`,
        unit: 'µs/op',
        better: 'lower',
        range,
        figures: repeated(cpu.get),
      },
      {
        id: 'redis-set-64-cpu',
        label: `client CPU per set, ${IN_FLIGHT} in flight`,
        unit: 'µs/op',
        better: 'lower',
        range,
        figures: repeated(cpu.set),
      },
    ],
    notes: [
      `Redis commands per call (INFO commandstats): ${perCall.join(' · ')}.`,
      'A 200-byte object; ours and BentoCache use ioredis with its defaults, @keyv/redis uses node-redis.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
