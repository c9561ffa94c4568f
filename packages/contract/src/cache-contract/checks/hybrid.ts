import type { Bus, Cache, CacheEvent } from '@cache/core';
import { failingStore } from '../../faults/failing-store.js';
import { type TestContext, expect, vi } from 'vitest';
import { interceptBus } from '../../faults/intercepted-bus.js';
import { type RecordingStore, recordingStore } from '../../faults/recording-store.js';
import { POLL_INTERVAL_MS } from '../../support/ttl.js';
import type { CacheCheck } from '../check.js';
import type { CacheHarness } from '../harness.js';

const LONG = 60_000;
const WAIT = { interval: POLL_INTERVAL_MS, timeout: 5_000 };

/** Store reads (`get`/`getMany`) a recorder saw. */
function reads(recorder: RecordingStore): number {
  return recorder.callsOf('get').length + recorder.callsOf('getMany').length;
}

/**
 * Waits until `cache` answers `key` from its L1 (its subscription is active and the
 * key was filled): two reads in a row cost no store read.
 */
async function untilServedFromL1(
  cache: Cache,
  recorder: RecordingStore,
  key: string,
  value: unknown,
): Promise<void> {
  await vi.waitFor(async () => {
    expect(await cache.get(key)).toEqual(value);
    const before = reads(recorder);
    expect(await cache.get(key)).toEqual(value);
    expect(reads(recorder), `"${key}" served from L1`).toBe(before);
  }, WAIT);
}

/**
 * The run's bus, or the check skips itself: a hybrid run configured without a bus
 * (`tier: { l1 }`) exists to prove the L1-only path (`l1Ttl`, the TTL bound, the
 * circuit breaker), and has no coherence between nodes to check. Every run with a
 * bus (`tier: { l1, bus }`, on every hybrid backend) runs these checks.
 */
function busOf(h: CacheHarness, test: TestContext): Bus {
  const bus = h.bus;
  if (bus === undefined) test.skip('no bus in this run (an L1-only run: nothing to keep coherent)');
  return bus as Bus;
}

/** Two nodes over one store: `writer` on the store, `reader` on a recorder of it (to count its store reads). */
async function twoNodes(
  h: CacheHarness,
  readerBus?: import('@cache/core').Bus,
): Promise<{ writer: Cache; reader: Cache; recorder: RecordingStore }> {
  const store = await h.store();
  const recorder = recordingStore(store);
  const { cache: writer } = await h.open({}, store);
  const { cache: reader } = await h.open(readerBus === undefined ? {} : { bus: readerBus }, recorder);
  return { writer, reader, recorder };
}

/**
 * The hybrid tier: coherence between nodes that share one store and one bus.
 *
 * The four bus checks skip themselves (with that reason) in a run configured with
 * an L1 but no bus (`tier: { l1 }`): there is no bus to keep nodes coherent, and
 * that run exists to prove the L1-only path (`l1Ttl`, TTL bound, circuit breaker).
 */
export const hybridChecks: readonly CacheCheck[] = [
  {
    name: 'hybrid: a write on one node evicts the key from the other node L1, with no store read per message',
    async run(h, test) {
      busOf(h, test);
      const { writer, reader, recorder } = await twoNodes(h);
      await writer.set('k', 'v1', LONG);
      await untilServedFromL1(reader, recorder, 'k', 'v1');
      const before = reads(recorder);
      await writer.set('k', 'v2', LONG);
      await writer.set('other', 'x', LONG);
      // The message costs the reader nothing: no store read until it reads again.
      await vi.waitFor(async () => expect(await reader.get('k')).toBe('v2'), WAIT);
      expect(
        reads(recorder) - before,
        'store reads by the reader: only its own read of "k"',
      ).toBeGreaterThanOrEqual(1);
      await untilServedFromL1(reader, recorder, 'k', 'v2');
    },
  },
  {
    name: 'hybrid: delete, deleteMany, increment and flush on one node reach the other node L1',
    async run(h, test) {
      busOf(h, test);
      const { writer, reader, recorder } = await twoNodes(h);
      for (const key of ['a', 'b', 'c', 'd']) await writer.set(key, key, LONG);
      await writer.increment('n', 1, LONG);
      for (const key of ['a', 'b', 'c', 'd']) await untilServedFromL1(reader, recorder, key, key);
      await untilServedFromL1(reader, recorder, 'n', 1);
      await writer.delete('a');
      await vi.waitFor(async () => expect(await reader.get('a')).toBeUndefined(), WAIT);
      await writer.deleteMany(['b', 'c']);
      await vi.waitFor(
        async () => expect(await reader.getMany(['b', 'c'])).toEqual([undefined, undefined]),
        WAIT,
      );
      await writer.increment('n', 5, LONG);
      await vi.waitFor(async () => expect(await reader.get('n')).toBe(6), WAIT);
      await writer.flush();
      await vi.waitFor(async () => expect(await reader.get('d')).toBeUndefined(), WAIT);
    },
  },
  {
    name: 'hybrid: a missed bus message (sequence gap) drops the whole L1 of the receiver',
    async run(h, test) {
      const lossy = interceptBus(busOf(h, test));
      const { writer, reader, recorder } = await twoNodes(h, lossy);
      await writer.set('k1', 'old', LONG);
      await writer.set('k2', 'kept', LONG);
      await untilServedFromL1(reader, recorder, 'k1', 'old');
      await untilServedFromL1(reader, recorder, 'k2', 'kept');
      // The next message to the reader is lost: its L1 keeps "old" for now...
      lossy.drop = () => lossy.dropped === 0;
      await writer.set('k1', 'new', LONG);
      await vi.waitFor(() => expect(lossy.dropped).toBe(1), WAIT);
      // ...until the following message shows the hole: then nothing from before the gap is served.
      await writer.set('unrelated', 1, LONG);
      await vi.waitFor(async () => expect(await reader.get('k1')).toBe('new'), WAIT);
      const before = reads(recorder);
      expect(await reader.get('k2')).toBe('kept');
      expect(reads(recorder), 'k2 re-read from the store after the gap').toBe(before + 1);
    },
  },
  {
    name: 'hybrid: while the bus is disconnected L1 is bypassed, and after it is back nothing older is served',
    async run(h, test) {
      const flaky = interceptBus(busOf(h, test));
      const { writer, reader, recorder } = await twoNodes(h, flaky);
      await writer.set('k', 'old', LONG);
      await untilServedFromL1(reader, recorder, 'k', 'old');
      flaky.loseConnection();
      // Disconnected: every read goes to the store, so a write it cannot hear about is seen.
      flaky.drop = () => true;
      await writer.set('k', 'during', LONG);
      const before = reads(recorder);
      expect(await reader.get('k')).toBe('during');
      expect(reads(recorder), 'read through to the store while disconnected').toBe(before + 1);
      flaky.drop = () => false;
      flaky.restoreConnection();
      await writer.set('k', 'after', LONG);
      await vi.waitFor(async () => expect(await reader.get('k')).toBe('after'), WAIT);
    },
  },
  {
    name: 'hybrid: l1Ttl bounds how long a node serves a value changed behind its back',
    async run(h) {
      const store = await h.store();
      const recorder = recordingStore(store);
      // No bus for this node: only l1Ttl bounds its staleness.
      const { cache } = await h.open({ l1Ttl: 300, bus: undefined }, recorder);
      const other = await h.open({ bus: undefined }, store);
      await other.cache.set('k', 'v1', LONG);
      await untilServedFromL1(cache, recorder, 'k', 'v1');
      const changedAt = Date.now();
      await other.cache.set('k', 'v2', LONG);
      const seenAt = await vi.waitFor(async () => {
        expect(await cache.get('k')).toBe('v2');
        return Date.now();
      }, WAIT);
      expect(seenAt - changedAt, 'stale for at most l1Ttl (plus polling)').toBeLessThan(300 + 500);
    },
  },
  {
    name: 'hybrid: an L1 filled from the store never outlives the entry TTL',
    async run(h) {
      const store = await h.store();
      const { cache: writer } = await h.open({ bus: undefined }, store);
      const { cache: reader } = await h.open({ bus: undefined, l1Ttl: LONG }, store);
      const ttl = Math.max(300, 2 * store.capabilities.ttlResolutionMs);
      await writer.set('short', 'v', ttl);
      expect(await reader.get('short')).toBe('v');
      await vi.waitFor(async () => expect(await reader.get('short')).toBeUndefined(), {
        interval: POLL_INTERVAL_MS,
        timeout: ttl + 2 * store.capabilities.ttlResolutionMs + 2_000,
      });
    },
  },
  {
    name: 'hybrid: the circuit breaker degrades a dead store to L1 + factory and closes again when it is back',
    async run(h) {
      const store = await h.store();
      const broken = failingStore(store);
      broken.failing = false;
      const events: CacheEvent[] = [];
      const { cache } = await h.open(
        { circuitBreaker: { failures: 2, openFor: 200 }, observer: (e) => events.push(e) },
        broken,
      );
      await cache.set('cached', 'in L1', LONG);
      broken.failing = true;
      for (let i = 0; i < 2; i++) await cache.get('missing').catch(() => undefined);
      expect(
        events.filter((e) => e.op === 'circuit').map((e) => e.circuit),
        'circuit opened',
      ).toEqual(['open']);
      expect((await cache.health()).circuit).toBe('open');
      // Open: L1 answers, the factory answers misses, writes stay in L1; no store call waits.
      expect(await cache.get('cached')).toBe('in L1');
      expect(await cache.remember('computed', LONG, () => 'from factory')).toBe('from factory');
      expect(await cache.get('computed'), 'kept in L1 while the store is skipped').toBe('from factory');
      await expect(cache.get('missing')).rejects.toMatchObject({ code: 'CACHE_CIRCUIT_OPEN' });
      broken.failing = false;
      // After openFor, one probe goes through and closes the circuit; the store is used again.
      await vi.waitFor(async () => {
        await cache.get('probe');
        expect(events.filter((e) => e.op === 'circuit').map((e) => e.circuit)).toEqual(['open', 'closed']);
      }, WAIT);
      await cache.set('after', 'in the store', LONG);
      expect(await store.get('after'), 'written to the store again').toBeDefined();
      expect((await cache.health()).circuit).toBe('closed');
      expect((await cache.health()).store).toBe(true);
    },
  },
  {
    name: 'hybrid: deleteByTag, expireByTag and a namespace flush on one node reach the other node L1',
    async run(h, test) {
      busOf(h, test);
      const { writer, reader, recorder } = await twoNodes(h);
      await writer.set('t', 'tagged', LONG, { tags: ['user:1'] });
      await writer.set('e', 'old', LONG, { tags: ['feed'] });
      await writer.namespace('n').set('k', 'in n', LONG);
      // Served from L1: a tagged hit costs no store read while its versions are unchanged.
      await untilServedFromL1(reader, recorder, 't', 'tagged');
      await untilServedFromL1(reader, recorder, 'e', 'old');
      await untilServedFromL1(reader.namespace('n'), recorder, 'k', 'in n');
      await writer.deleteByTag('user:1');
      await vi.waitFor(async () => expect(await reader.get('t')).toBeUndefined(), WAIT);
      await writer.namespace('n').flush();
      await vi.waitFor(async () => expect(await reader.namespace('n').get('k')).toBeUndefined(), WAIT);
      await writer.expireByTag('feed');
      await vi.waitFor(async () => expect(await reader.get('e')).toBeUndefined(), WAIT);
      const failing = (): never => {
        throw new Error('source down');
      };
      expect(await reader.rememberStale('e', LONG, LONG, failing), 'expired: still a fallback').toEqual({
        value: 'old',
        stale: true,
      });
      await writer.set('t', 'again', LONG, { tags: ['user:1'] });
      await vi.waitFor(async () => expect(await reader.get('t')).toBe('again'), WAIT);
    },
  },
];
