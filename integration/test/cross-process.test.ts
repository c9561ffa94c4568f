import { randomUUID } from 'node:crypto';
import { Cache, type Store } from '@cache/core';
import { MemcachedStore } from '@cache/memcached';
import { RedisStore } from '@cache/redis';
import { afterAll, expect, it } from 'vitest';
import { type BackendName, describeBackend } from '../src/backends.js';
import { runWorkers } from '../src/worker-pool.js';

const PROCESSES = 4;
const INCREMENTS_PER_PROCESS = 2_500;
const LOCK_ATTEMPTS = 100;

interface Driver {
  readonly backend: BackendName;
  readonly driver: string;
  readonly create: (address: string, prefix: string) => Store;
}

const DRIVERS: readonly Driver[] = [
  { backend: 'redis', driver: 'redis', create: (url, prefix) => new RedisStore({ url, prefix }) },
  {
    backend: 'memcached',
    driver: 'memcached',
    create: (servers, prefix) => new MemcachedStore({ servers: servers.split(','), prefix }),
  },
];

for (const { backend, driver, create } of DRIVERS) {
  describeBackend(backend, (address) => {
    const prefix = `xproc-${randomUUID()}`;
    const stores: Store[] = [];
    const open = (): Cache => {
      const store = create(address, prefix);
      stores.push(store);
      return new Cache({ store });
    };
    afterAll(async () => {
      await stores[0]?.flush();
      await Promise.all(stores.map((store) => store.close()));
    });

    it(`${PROCESSES} processes × ${INCREMENTS_PER_PROCESS} increments = exactly ${PROCESSES * INCREMENTS_PER_PROCESS}`, async () => {
      const results = await runWorkers(
        Array.from({ length: PROCESSES }, () => ({
          driver,
          address,
          prefix,
          task: 'increment' as const,
          params: { key: 'hits', count: INCREMENTS_PER_PROCESS, concurrency: 16 },
        })),
      );
      const total = PROCESSES * INCREMENTS_PER_PROCESS;
      // Every increment saw a distinct value: no update was lost or applied twice.
      const seen = results.flat() as number[];
      expect(seen.length).toBe(total);
      expect(new Set(seen).size).toBe(total);
      expect(Math.min(...seen)).toBe(1);
      expect(Math.max(...seen)).toBe(total);
      expect(await open().increment('hits', 0)).toBe(total);
    }, 120_000);

    it(`${LOCK_ATTEMPTS} concurrent tryLock across ${PROCESSES} processes: exactly one winner`, async () => {
      const results = await runWorkers(
        Array.from({ length: PROCESSES }, () => ({
          driver,
          address,
          prefix,
          task: 'lock' as const,
          params: { key: 'singleton', attempts: LOCK_ATTEMPTS / PROCESSES },
        })),
      );
      const tokens = results.flat() as string[];
      expect(tokens).toHaveLength(1);
      // The winner's token is what the store holds: another cache cannot take it.
      const other = open();
      expect(await other.tryLock('singleton')).toBeUndefined();
    }, 60_000);

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
    });
  });
}
