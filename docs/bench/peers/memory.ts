/**
 * Workload 1, in-process stores: a hit (`get` of a resident key), and `set` of 100,000
 * distinct keys into a fresh cache, for each library with its in-memory store.
 *
 * - Hit: the libraries' rows measured in 40 interleaved slices of rotating order
 *   (`paired.ts`); figure = median over slices, range = p25–p75 of the slices,
 *   "vs ours" = median of per-slice ratios.
 * - Set: 1 untimed round (20,000 keys) + 5 timed rounds; each round fills one fresh
 *   cache per library (rotating order, a GC before each) with 100,000 distinct keys,
 *   one awaited `set` at a time. Every cache holds all 100,000 (ours `maxEntries`,
 *   BentoCache `maxItems` at 100,000; cache-manager's default Map is unbounded), so
 *   no row pays for eviction. Figure = median ns per `set` over rounds, range = min–max.
 *
 * BentoCache's memory driver serializes values by default; it is also measured with
 * `serialize: false` (its documented faster mode, where callers share one object).
 *
 * @packageDocumentation
 */

import { USER } from '../fixtures.js';
import { interleave, pairedRatio, type Row } from '../paired.js';
import { type Figure, interquartile, pairedMedian, spread, type WorkloadResult } from './figures.js';
import { type Library, LIBRARIES, memoryPeer, type Peer, SETUP } from './libraries.js';

const KEY = 'user:48213';
const INSERTS = 100_000;
const ROUNDS = 5;
const NO_SERIALIZE = 'serialize: false';

/** A configuration measured: a library, optionally a variant of it. */
interface Subject {
  readonly library: Library;
  readonly variant?: string;
  readonly build: (capacity?: number) => Peer;
}
const subjects: readonly Subject[] = [
  ...LIBRARIES.map((library) => ({
    library,
    // cache-manager's default store is unbounded already: it keeps its default.
    build: (capacity?: number) => memoryPeer(library, library === 'cache-manager' ? {} : { capacity }),
  })),
  {
    library: 'bentocache',
    variant: NO_SERIALIZE,
    build: (capacity?: number) => memoryPeer('bentocache', { capacity, serialize: false }),
  },
];
const named = (subject: Subject): string =>
  subject.variant === undefined ? subject.library : `${subject.library} (${subject.variant})`;
const tagged = (subject: Subject, figure: Figure): Figure =>
  subject.variant === undefined ? figure : { ...figure, variant: subject.variant };

export async function run(): Promise<WorkloadResult> {
  const started = performance.now();

  // --- hit --------------------------------------------------------------------------------
  const resident = subjects.map((subject) => subject.build());
  for (const peer of resident) await peer.set(KEY, USER);
  for (const peer of resident) {
    const value = (await peer.get(KEY)) as { id?: number } | undefined;
    if (value?.id !== USER.id) throw new Error(`${peer.library}: the resident key did not read back`);
  }
  const rows: Row[] = resident.map((peer, i) => [named(subjects[i] as Subject), () => peer.get(KEY)]);
  const hits = await interleave(rows, { slices: 40 });
  const hitFigures = subjects.map((subject, i) =>
    tagged(subject, interquartile(subject.library, hits.slices[i] as number[], pairedRatio(hits, i, 0))),
  );
  for (const peer of resident) await peer.close();

  // --- set of distinct keys into a fresh cache ----------------------------------------------
  const keys = Array.from({ length: INSERTS }, (_, i) => `item:${i}:${(i * 2_654_435_761) >>> 0}`);
  const perRound: number[][] = subjects.map(() => []);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = -1; round < ROUNDS; round++) {
    for (let j = 0; j < subjects.length; j++) {
      const index = (j + Math.max(round, 0)) % subjects.length;
      const peer = (subjects[index] as Subject).build(INSERTS);
      gc?.();
      // The untimed round only warms the JIT up: a fifth of the keys is enough.
      const batch = round < 0 ? keys.slice(0, INSERTS / 5) : keys;
      const start = process.hrtime.bigint();
      for (const key of batch) await peer.set(key, USER);
      const elapsed = Number(process.hrtime.bigint() - start);
      const last = (await peer.get(keys[0] as string)) as { id?: number } | undefined;
      if (last?.id !== USER.id) throw new Error(`${peer.library}: the first of ${INSERTS} keys was evicted`);
      await peer.close();
      if (round >= 0) (perRound[index] as number[]).push(elapsed / INSERTS);
    }
  }
  const setFigures = subjects.map((subject, i) =>
    tagged(
      subject,
      spread(subject.library, perRound[i] as number[], pairedMedian(perRound[i] as number[], perRound[0]!)),
    ),
  );

  return {
    id: 'memory',
    title: 'In-process store: hit and insert',
    setup: {
      ...SETUP.memory,
      bentocache: `${SETUP.memory.bentocache}; also with ${NO_SERIALIZE}`,
    },
    measures: [
      {
        id: 'memory-hit',
        label: 'get, resident key',
        unit: 'ns/op',
        better: 'lower',
        range: `p25–p75 of ${hits.slices[0]!.length} interleaved slices`,
        figures: hitFigures,
      },
      {
        id: 'memory-set',
        label: `set, ${INSERTS.toLocaleString('en-US')} distinct keys into a fresh cache`,
        unit: 'ns/op',
        better: 'lower',
        range: `min–max of ${ROUNDS} rotating rounds`,
        figures: setFigures,
      },
    ],
    notes: [
      'A 200-byte object; every cache was sized to hold all 100,000 keys (no eviction in any).',
      'Our MemoryStore and cache-manager’s default Keyv Map return the stored object by reference; ' +
        'BentoCache by default stores JSON text and parses it on every hit (with serialize: false it does not).',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
