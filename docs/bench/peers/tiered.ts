/**
 * Workload 4, tiered L1 + L2 hit: `get` of a key resident in the in-process tier in
 * front of Redis. Ours `MemoryStore` L1 + `RedisStore` + `RedisBus`; BentoCache memory
 * L1 + redis L2 + redis bus; cache-manager the multi-store `[new Keyv(), @keyv/redis]`
 * its README shows (it has no bus). Both peers' L1s serialize to JSON by default; each
 * is also measured with an L1 that keeps objects (BentoCache `serialize: false`,
 * cache-manager a Keyv without serializer, as its own default store is set up).
 *
 * Before timing, each cache is written and read until 100 gets in a row reach Redis
 * zero times (ours bypasses its L1 until its bus has subscribed); afterwards the
 * Redis reads of 1,000 more hits per library are counted, to show every row was an
 * L1 hit. Method: 40 interleaved slices of rotating order (`paired.ts`); figure =
 * median ns per call, range = p25–p75 of the slices, "vs ours" = median of per-slice
 * ratios.
 *
 * @packageDocumentation
 */

import { Redis } from 'ioredis';
import { commandsDuring } from '../command-stats.js';
import { USER } from '../fixtures.js';
import { interleave, pairedRatio, type Row } from '../paired.js';
import { interquartile, LABELS, type WorkloadContext, type WorkloadResult } from './figures.js';
import { LIBRARIES, type Peer, SETUP, tieredPeers } from './libraries.js';

const KEY = 'user:48213';
const SLICES = 40;

/** Redis reads (GET/MGET) the server ran during `count` gets of `key`. */
async function redisReads(admin: Redis, peer: Peer, count: number): Promise<number> {
  const counts = await commandsDuring(admin, async () => {
    for (let i = 0; i < count; i++) await peer.get(KEY);
  });
  return (counts.get('get') ?? 0) + (counts.get('mget') ?? 0);
}

export async function run({ url, prefix }: WorkloadContext): Promise<WorkloadResult> {
  const started = performance.now();
  const admin = new Redis(url);
  const peers = tieredPeers(url, prefix);
  // The two peers' faster, non-default mode: an L1 that keeps objects instead of JSON text.
  const unserialized = tieredPeers(url, `${prefix}-raw`, { serialize: false });
  const list = [
    ...LIBRARIES.map((library) => peers[library]),
    unserialized.bentocache,
    unserialized['cache-manager'],
  ];
  const variants = [undefined, undefined, undefined, 'serialize: false', 'L1 Keyv without serializer'];
  const named = (i: number) =>
    variants[i] === undefined ? LABELS[list[i]!.library] : `${LABELS[list[i]!.library]} (${variants[i]})`;
  for (const peer of list) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      await peer.set(KEY, USER);
      if ((await redisReads(admin, peer, 100)) === 0) break;
      if (Date.now() > deadline) throw new Error(`${peer.library}: no L1 hit within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const value = (await peer.get(KEY)) as { id?: number } | undefined;
    if (value?.id !== USER.id) throw new Error(`${peer.library}: the key did not read back`);
  }

  const rows: Row[] = list.map((peer, i): Row => [named(i), () => peer.get(KEY)]);
  const hits = await interleave(rows, { slices: SLICES });
  const reads: string[] = [];
  for (const [i, peer] of list.entries()) reads.push(`${named(i)} ${await redisReads(admin, peer, 1_000)}`);
  for (const peer of list) await peer.close();
  await unserialized.cache.close();
  await admin.quit();

  return {
    id: 'tiered',
    title: 'Tiered L1 + Redis: hit in the in-process tier',
    setup: {
      ...SETUP.tiered,
      bentocache: `${SETUP.tiered.bentocache}; also with memoryDriver({ serialize: false })`,
      'cache-manager': `${SETUP.tiered['cache-manager']}; also with the L1 Keyv's serialize/deserialize unset`,
    },
    measures: [
      {
        id: 'tiered-hit',
        label: 'get, key resident in L1',
        unit: 'ns/op',
        better: 'lower',
        range: `p25–p75 of ${SLICES} interleaved slices`,
        figures: list.map((peer, i) => {
          const figure = interquartile(peer.library, hits.slices[i] as number[], pairedRatio(hits, i, 0));
          const variant = variants[i];
          return variant === undefined ? figure : { ...figure, variant };
        }),
      },
    ],
    notes: [
      `Redis reads (GET/MGET) during 1,000 further hits: ${reads.join(', ')}.`,
      'cache-manager’s L1 here is a default Keyv, which serializes (JSON) on every write and parses on ' +
        'every hit, as in its README; its own default store (createCache() without stores) does not. ' +
        'BentoCache’s memory L1 serializes by default too.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
