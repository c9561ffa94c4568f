import { randomUUID } from 'node:crypto';
import { Cache, type CacheOptions, type Store } from '@cache/core';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { type BackendName, describeBackend } from '../../src/backends.js';
import {
  openWorker,
  runWorkers,
  type SessionJob,
  type WorkerDriver,
  type WorkerSession,
} from '../../src/worker-pool.js';

const PROCESSES = 4;
const INCREMENTS_PER_PROCESS = 2_500;
const LOCK_ATTEMPTS = 100;
/** The default `tagCheckInterval`: how long a node without a bus trusts a version it read. */
const TAG_CHECK_MS = 1_000;
/** Added to it for a bounded check: a fetch of the versions, on 2 cores shared by several processes. */
const TAG_CHECK_SLACK_MS = 1_000;
/** How far behind the host's clock the skewed worker's `Date.now()` runs. */
const SKEW_MS = -600_000;
/**
 * TTL of the tag tests' entries: long enough that no entry expires by itself
 * during a test, even when written by the skewed node (drivers that store an
 * expiry time compute it from the writer's clock, 10 minutes early).
 */
const LONG = '1h';

/** Runs `body` with a worker started for `job`, and ends the worker afterwards, whatever happened. */
async function withWorker<T>(job: SessionJob, body: (worker: WorkerSession) => Promise<T>): Promise<T> {
  const worker = await openWorker(job);
  try {
    return await body(worker);
  } finally {
    await worker.close();
  }
}

/** One networked driver, as the cross-process suite runs it. */
export interface CrossProcessDriver {
  /** The backend (its address comes from `describeBackend`). */
  readonly backend: BackendName;
  /** The driver the worker script builds. */
  readonly driver: WorkerDriver;
  /** How its increment is atomic, for the test title. */
  readonly atomicBy: string;
  /** Increments in flight per process (pooled SQL drivers keep this at their pool's size). */
  readonly inFlight: number;
  /** A fresh bucket or table name for this run, where the driver has one. */
  readonly scope?: () => string;
  /** A store in this process, sharing the children's scope and prefix. */
  readonly create: (address: string, prefix: string, scope: string | undefined) => Store;
  /** Removes the scope after the run (a table of its own). */
  readonly dropScope?: (store: Store, scope: string) => Promise<unknown>;
  /** Time limit of the increment test, ms. Default 120 s. */
  readonly incrementTimeoutMs?: number;
}

/**
 * Registers, for one backend, the checks that only several processes can make:
 * - 4 processes × 2,500 `increment` calls on one counter = exactly 10,000, every
 *   value from 1 to 10,000 returned once (no update lost or applied twice);
 * - 100 concurrent `tryLock` calls across 4 processes: exactly one winner, and the
 *   store then refuses the lock to a fifth cache;
 * - rate-limit counts shared across two store instances, sequentially and in a burst;
 * - tags and namespaces across two processes (this one, A, and a worker, B):
 *   B reads A's entries through its own namespace and flushes it, A misses at
 *   once (`tagCheckInterval: 0`) or within the default 1 s, a neighbour namespace
 *   and the root survive; B's `deleteByTag` hides A's tagged entries, a value re-set
 *   afterwards is seen by both; a worker whose clock is 10 minutes behind: its
 *   entries written before B's `deleteByTag` miss on both nodes, those written
 *   after are hits on both, and its own `deleteByTag` holds on B.
 *
 * Children run `test/workers/cache-worker.mjs` over the built dists, connect
 * first and start together on one signal.
 */
export function crossProcessSuite(driver: CrossProcessDriver): void {
  describeBackend(driver.backend, (address) => {
    const prefix = `xproc-${randomUUID()}`;
    const scope = driver.scope?.();
    const stores: Store[] = [];
    const open = (options: Omit<CacheOptions, 'store'> = {}): Cache => {
      const store = driver.create(address, prefix, scope);
      stores.push(store);
      return new Cache({ store, ...options });
    };
    const job = { driver: driver.driver, address, prefix, ...(scope === undefined ? {} : { scope }) };
    /** Versions re-read on every tagged read: what the other process did is seen at once. */
    const STRICT = { tagCheckInterval: 0 } as const;

    beforeAll(async () => {
      // Bucket or table exists before the children start: they race on the task, not on setup.
      await open().set('warm-up', true, '5m');
    });
    afterAll(async () => {
      const [first] = stores;
      if (first !== undefined) {
        if (scope !== undefined && driver.dropScope !== undefined) await driver.dropScope(first, scope);
        else await first.flush();
      }
      await Promise.all(stores.map((store) => store.close()));
    });

    const total = PROCESSES * INCREMENTS_PER_PROCESS;
    it(
      `${PROCESSES} processes × ${INCREMENTS_PER_PROCESS} increments = exactly ${total} (${driver.atomicBy})`,
      async () => {
        const results = await runWorkers(
          Array.from({ length: PROCESSES }, () => ({
            ...job,
            connections: driver.inFlight,
            task: 'increment' as const,
            params: { key: 'hits', count: INCREMENTS_PER_PROCESS, concurrency: driver.inFlight },
          })),
          driver.incrementTimeoutMs ?? 120_000,
        );
        const seen = results.flat() as number[];
        expect(seen.length).toBe(total);
        expect(new Set(seen).size).toBe(total);
        expect(Math.min(...seen)).toBe(1);
        expect(Math.max(...seen)).toBe(total);
        expect(await open().increment('hits', 0)).toBe(total);
      },
      (driver.incrementTimeoutMs ?? 120_000) + 10_000,
    );

    it(`${LOCK_ATTEMPTS} concurrent tryLock across ${PROCESSES} processes: exactly one winner`, async () => {
      const results = await runWorkers(
        Array.from({ length: PROCESSES }, () => ({
          ...job,
          task: 'lock' as const,
          params: { key: 'singleton', attempts: LOCK_ATTEMPTS / PROCESSES },
        })),
      );
      const tokens = results.flat() as string[];
      expect(tokens).toHaveLength(1);
      // The winner's lock is what the store holds: another cache cannot take it.
      expect(await open().tryLock('singleton')).toBeUndefined();
    }, 70_000);

    it('rate-limit counts are shared across two store instances', async () => {
      const first = open();
      const second = open();
      const key = `api-${randomUUID()}`;
      const outcomes = [];
      for (let i = 0; i < 15; i++)
        outcomes.push(await (i % 2 === 0 ? first : second).rateLimit(key, 10, '1h'));
      // One window throughout (a 1 h window makes a boundary mid-test practically impossible).
      expect(new Set(outcomes.map((outcome) => outcome.resetAt)).size).toBe(1);
      expect(outcomes.map((outcome) => outcome.count)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(10);
      expect(outcomes[9]).toMatchObject({ allowed: true, remaining: 0 });
      expect(outcomes[10]).toMatchObject({ allowed: false, remaining: 0 });

      // Concurrently through both instances: each call gets its own count, exactly `limit` pass.
      const burstKey = `burst-${randomUUID()}`;
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? first : second).rateLimit(burstKey, 10, '1h')),
      );
      expect(burst.map((outcome) => outcome.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      expect(burst.filter((outcome) => outcome.allowed)).toHaveLength(10);
    }, 30_000);

    it('namespaces: B reads A\'s entries through its own namespace("shop") and flushes it; A misses at once (tagCheckInterval 0), the neighbour and the root survive', async () => {
      const a = open(STRICT);
      const shop = a.namespace('shop');
      const eu = shop.namespace('eu');
      await shop.set('cart', 'shop cart', LONG);
      await eu.set('cart', 'eu cart', LONG);
      await eu.set('only-eu', 'nested', LONG);
      await a.namespace('blog').set('cart', 'blog cart', LONG);
      await a.set('cart', 'root cart', LONG);
      await withWorker({ ...job, cache: STRICT }, async (b) => {
        expect(
          await b.run([
            { ns: ['shop'], call: 'get', key: 'cart' },
            { ns: ['shop', 'eu'], call: 'getMany', keys: ['cart', 'only-eu'] },
            // Keys are the namespace's own: neither the parent nor the root sees a nested key.
            { ns: ['shop'], call: 'get', key: 'only-eu' },
            { call: 'get', key: 'only-eu' },
            { call: 'get', key: 'cart' },
          ]),
          'B reads through its own views',
        ).toEqual(['shop cart', ['eu cart', 'nested'], null, null, 'root cart']);
        expect(
          await b.run([
            { ns: ['shop'], call: 'flush' },
            { ns: ['shop'], call: 'get', key: 'cart' },
            { ns: ['shop', 'eu'], call: 'get', key: 'cart' },
          ]),
          'on B after its flush',
        ).toEqual([null, null, null]);
        expect(await shop.get('cart'), 'on A: the flushed namespace').toBeUndefined();
        expect(await eu.getMany(['cart', 'only-eu']), 'on A: nested in it').toEqual([undefined, undefined]);
        expect(await a.namespace('blog').get('cart'), 'a neighbour namespace').toBe('blog cart');
        expect(await a.get('cart'), 'the root').toBe('root cart');
        await shop.set('cart', 'new cart', LONG);
        expect(await b.run([{ ns: ['shop'], call: 'get', key: 'cart' }]), 'written after the flush').toEqual([
          'new cart',
        ]);
      });
    }, 30_000);

    it(`namespaces: with the default tagCheckInterval, A misses B's flush within ${TAG_CHECK_MS} ms (+ ${TAG_CHECK_SLACK_MS} ms slack)`, async () => {
      const a = open();
      const deals = a.namespace('deals');
      const neighbour = a.namespace('deals-archive');
      await withWorker({ ...job, cache: STRICT }, async (b) => {
        await deals.set('today', 'half price', LONG);
        await deals.namespace('eu').set('today', 'eu price', LONG);
        await neighbour.set('today', 'old deal', LONG);
        // A has just read (and so trusts) the namespace's version when B flushes it.
        expect(await deals.get('today')).toBe('half price');
        const flushedBefore = performance.now();
        await b.run([{ ns: ['deals'], call: 'flush' }]);
        await vi.waitFor(
          async () => {
            expect(await deals.get('today')).toBeUndefined();
            expect(await deals.namespace('eu').get('today')).toBeUndefined();
          },
          { timeout: TAG_CHECK_MS + TAG_CHECK_SLACK_MS, interval: 20 },
        );
        const lag = performance.now() - flushedBefore;
        expect(lag).toBeLessThan(TAG_CHECK_MS + TAG_CHECK_SLACK_MS);
        expect(await neighbour.get('today'), 'a neighbour namespace').toBe('old deal');
        console.info(
          `[tags ${driver.backend}] a namespace flush by another process seen after ${lag.toFixed(0)} ms`,
        );
      });
    }, 30_000);

    it("tags: deleteByTag in B hides A's tagged entries at once (tagCheckInterval 0); a value re-set afterwards is seen by both", async () => {
      const a = open(STRICT);
      await a.set('profile', 'v1', LONG, { tags: ['user:42'] });
      await a.set('orders', [1, 2], LONG, { tags: ['user:42', 'orders'] });
      await a.set('other', 'user 7', LONG, { tags: ['user:7'] });
      await a.set('plain', 'untagged', LONG);
      // A namespace's tags are its own: the root's deleteByTag leaves them alone.
      await a.namespace('shop').set('profile', 'shop v1', LONG, { tags: ['user:42'] });
      const keys = ['profile', 'orders', 'other', 'plain'];
      await withWorker({ ...job, cache: STRICT }, async (b) => {
        expect(
          await b.run([
            { call: 'getMany', keys },
            { call: 'deleteByTag', tags: 'user:42' },
            { call: 'getMany', keys },
            { call: 'set', key: 'profile', value: 'v2', ttl: LONG, tags: ['user:42'] },
            { call: 'get', key: 'profile' },
          ]),
        ).toEqual([
          ['v1', [1, 2], 'user 7', 'untagged'],
          null,
          [null, null, 'user 7', 'untagged'],
          null,
          'v2',
        ]);
        expect(await a.getMany(keys), 'on A').toEqual(['v2', undefined, 'user 7', 'untagged']);
        expect(await a.namespace('shop').get('profile'), "the namespace's own tag").toBe('shop v1');
        await a.set('orders', [3], LONG, { tags: ['user:42', 'orders'] });
        expect(await b.run([{ call: 'get', key: 'orders' }]), "A's re-set, on B").toEqual([[3]]);
      });
    }, 30_000);

    it('tags: a node whose clock runs 10 minutes behind: its entries written before deleteByTag miss on both nodes, those written after are hits on both', async () => {
      const b = open(STRICT);
      await withWorker({ ...job, cache: STRICT, clockOffsetMs: SKEW_MS }, async (a) => {
        const [clock, ...written] = await a.run([
          { call: 'clock' },
          { call: 'set', key: 'before', value: 'A1', ttl: LONG, tags: ['skew'] },
          { ns: ['shop'], call: 'set', key: 'before', value: 'A2', ttl: LONG, tags: ['skew'] },
        ]);
        // The preload took: A's Date.now() is 10 minutes behind this process's.
        expect(Math.abs((clock as number) - SKEW_MS - Date.now())).toBeLessThan(5_000);
        expect(written).toEqual([null, null]);
        expect(await b.get('before'), "B sees A's entry").toBe('A1');
        expect(await b.namespace('shop').get('before')).toBe('A2');

        await b.deleteByTag('skew');
        await b.namespace('shop').deleteByTag('skew');
        expect(await b.get('before'), 'on B').toBeUndefined();
        expect(await b.namespace('shop').get('before')).toBeUndefined();
        expect(
          await a.run([
            { call: 'get', key: 'before' },
            { ns: ['shop'], call: 'get', key: 'before' },
            // With timestamps, these would look older than the delete and be hidden too.
            { call: 'set', key: 'after', value: 'A3', ttl: LONG, tags: ['skew'] },
            { call: 'get', key: 'after' },
          ]),
          'on A',
        ).toEqual([null, null, null, 'A3']);
        expect(await b.get('after'), 'written after the delete by the slow clock, on B').toBe('A3');

        // The slow node deletes: with timestamps, its delete would predate B's entry.
        await b.set('by-b', 'B1', LONG, { tags: ['skew-b'] });
        expect(
          await a.run([
            { call: 'get', key: 'by-b' },
            { call: 'deleteByTag', tags: 'skew-b' },
            { call: 'get', key: 'by-b' },
          ]),
        ).toEqual(['B1', null, null]);
        expect(await b.get('by-b'), 'deleted by the slow clock, on B').toBeUndefined();
      });
    }, 30_000);
  });
}

/** A table name of this run's own, so concurrent runs never share one. */
export const freshTable = (): string => `cache_xproc_${randomUUID().slice(0, 8)}`;
