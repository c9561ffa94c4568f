import { randomUUID } from 'node:crypto';
import { Cache, type Store } from '@cache/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BackendName, describeBackend } from '../../src/backends.js';
import { runWorkers, type WorkerDriver } from '../../src/worker-pool.js';

const PROCESSES = 4;
const INCREMENTS_PER_PROCESS = 2_500;
const LOCK_ATTEMPTS = 100;

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
 * - rate-limit counts shared across two store instances, sequentially and in a burst.
 *
 * Children run `test/workers/cache-worker.mjs` over the built dists, connect
 * first and start together on one signal.
 */
export function crossProcessSuite(driver: CrossProcessDriver): void {
  describeBackend(driver.backend, (address) => {
    const prefix = `xproc-${randomUUID()}`;
    const scope = driver.scope?.();
    const stores: Store[] = [];
    const open = (): Cache => {
      const store = driver.create(address, prefix, scope);
      stores.push(store);
      return new Cache({ store });
    };
    const job = { driver: driver.driver, address, prefix, ...(scope === undefined ? {} : { scope }) };

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
  });
}

/** A table name of this run's own, so concurrent runs never share one. */
export const freshTable = (): string => `cache_xproc_${randomUUID().slice(0, 8)}`;
