/**
 * Workload 5, hit ratio of a bounded in-process cache on a skewed key distribution:
 * requests drawn from a Zipf distribution (exponent 1) over 100,000 keys
 * (`zipfTrace` of `hit-ratio-traces.ts`), replayed as cache-aside reads — `get`, and
 * on a miss `set` — through each library's public API, every cache bounded to the
 * same number of entries: ours `MemoryStore` `maxEntries` (W-TinyLFU), BentoCache's
 * memory driver `maxItems` (lru-cache), cache-manager a Keyv over an lru-cache of
 * `max` entries. Bélády's offline optimum for the same trace is the bound.
 *
 * Traces are generated from fixed seeds, so every run replays the same requests (the
 * LRU ratios repeat exactly; ours varies by a few tenths of a point); figure = median
 * over 3 seeds, range = min–max.
 *
 * @packageDocumentation
 */

import { beladyHits, zipfTrace } from '../hit-ratio-traces.js';
import { type Figure, spread, type WorkloadResult } from './figures.js';
import { type Library, LIBRARIES, memoryPeer } from './libraries.js';

const KEYS = 100_000;
const REQUESTS = 200_000;
const ALPHA = 1;
const SEEDS = [1, 2, 3];
const CAPACITIES = [1_000, 10_000];

const keyNames = Array.from({ length: KEYS }, (_, i) => `key:${i}`);

/** Hit ratio (%) of `library` bounded to `capacity` entries on `trace`. */
async function replay(library: Library, capacity: number, trace: Int32Array): Promise<number> {
  const peer = memoryPeer(library, { capacity });
  let hits = 0;
  for (const id of trace) {
    const key = keyNames[id] as string;
    if ((await peer.get(key)) !== undefined) hits++;
    else await peer.set(key, id);
  }
  await peer.close();
  return (100 * hits) / trace.length;
}

export async function run(): Promise<WorkloadResult> {
  const started = performance.now();
  const traces = SEEDS.map((seed) => zipfTrace(KEYS, ALPHA, REQUESTS, seed));
  const measures = [];
  for (const capacity of CAPACITIES) {
    const ratios = LIBRARIES.map(() => [] as number[]);
    const optimum: number[] = [];
    for (const [t, trace] of traces.entries()) {
      // Rotating order: no library always runs first on a cold JIT.
      for (let j = 0; j < LIBRARIES.length; j++) {
        const index = (j + t) % LIBRARIES.length;
        (ratios[index] as number[]).push(await replay(LIBRARIES[index] as Library, capacity, trace));
      }
      const best = beladyHits(trace, capacity, KEYS);
      optimum.push((100 * best.reduce((sum, hit) => sum + hit, 0)) / trace.length);
    }
    const figures: Figure[] = [
      ...LIBRARIES.map((library, i) => spread(library, ratios[i] as number[])),
      spread('optimum', optimum),
    ];
    const share = `${(100 * capacity) / KEYS} %`;
    measures.push({
      id: `hit-ratio-${capacity}`,
      label: `${capacity.toLocaleString('en-US')} entries (${share} of the keys)`,
      unit: '% hits',
      better: 'higher' as const,
      range: `min–max over ${SEEDS.length} seeded traces`,
      figures,
    });
  }
  return {
    id: 'hit-ratio',
    title: `Hit ratio, Zipf s = ${ALPHA} over ${KEYS.toLocaleString('en-US')} keys, ${REQUESTS.toLocaleString('en-US')} requests`,
    setup: {
      cache: 'new Cache({ store: new MemoryStore({ maxEntries }) }) (W-TinyLFU)',
      bentocache: 'bentostore().useL1Layer(memoryDriver({ maxItems })) (lru-cache: LRU)',
      'cache-manager':
        'createCache({ stores: [new Keyv({ store: lru-cache { max } })] }) (LRU; lru-cache adapted to Keyv’s TTL argument)',
      optimum: 'Bélády’s MIN on the same trace (offline: knows the future)',
    },
    measures,
    notes: [
      'Every request is a cache-aside read through the public API; cold misses count.',
      'cache-manager’s default store is an unbounded Map; bounding it needs a store such as lru-cache. ' +
        'Passed as-is (its README’s example), lru-cache 11 stores nothing: Keyv hands it the TTL as a number, ' +
        'lru-cache throws on that and Keyv swallows the error, so the bench adapts the call.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
