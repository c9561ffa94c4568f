import { randomUUID } from 'node:crypto';
import { Cache, type Store } from '@cache/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BackendName, describeBackend } from '../../src/backends.js';
import type { WorkerDriver } from '../../src/worker-pool.js';
import { monotonicMs, type NodeJob, type NodeStore, withNodes } from './hybrid-workers.js';

const PROCESSES = 4;
const CALLS_PER_PROCESS = 250;
/** Long enough that every process is waiting on the lease while the winner computes. */
const FACTORY_MS = 300;
/** The lease TTL of core's distributed flight (docs/hybrid.md: 3 s, extended every second). */
const LEASE_MS = 3_000;

/** One shared store, as the distributed single-flight suite runs it. */
export interface DistributedDriver {
  /** The backend (its address comes from `describeBackend`). */
  readonly backend: BackendName;
  /** The driver the node script builds. */
  readonly driver: WorkerDriver;
  /** A fresh bucket or table name for this run, where the driver has one. */
  readonly scope?: () => string;
  /** A store in this process, sharing the children's scope and prefix. */
  readonly create: (address: string, prefix: string, scope: string | undefined) => Store;
  /** Removes the scope after the run (a table of its own). */
  readonly dropScope?: (store: Store, scope: string) => Promise<unknown>;
  /** Extra driver options for the children (plain data), e.g. a small pool. */
  readonly options?: Record<string, unknown>;
  /** Where a bus exists: also run the cold-key check with an L1 and this bus on every node. */
  readonly bus?: (address: string) => { readonly kind: 'redis' | 'nats'; readonly address: string };
}

/** One flight task's report (see `tasks.flight` in the node script). */
interface FlightReport {
  readonly pid: number;
  readonly factoryRuns: number;
  readonly calls: number;
  readonly distinct: string[];
  readonly startedMs: number;
  readonly firstDoneMs: number;
  readonly lastDoneMs: number;
}

/**
 * Registers, for one shared store, the cross-process checks of
 * `remember(…, { distributed: true })`:
 * - 4 processes × 250 concurrent calls on one cold key → exactly one factory call
 *   in total, counted in the backend (the factory increments a counter key), and
 *   every caller gets that one value;
 * - a winner SIGKILLed inside its factory: its lease expires, one waiter takes over
 *   (well before `lockTimeout`), and every waiter gets the new value.
 */
export function distributedSuite(driver: DistributedDriver): void {
  describeBackend(driver.backend, (address) => {
    const prefix = `dist-${randomUUID()}`;
    const scope = driver.scope?.();
    let store: Store;
    let cache: Cache;
    const nodeStore: NodeStore = {
      driver: driver.driver,
      address,
      prefix,
      ...(scope === undefined ? {} : { scope }),
      ...(driver.options === undefined ? {} : { options: driver.options }),
    };

    beforeAll(async () => {
      store = driver.create(address, prefix, scope);
      cache = new Cache({ store });
      // Bucket or table exists before the children start: they race on the task, not on setup.
      await cache.set('warm-up', true, '5m');
    });
    afterAll(async () => {
      if (scope !== undefined && driver.dropScope !== undefined) await driver.dropScope(store, scope);
      else await store.flush();
      await cache.close();
    });

    const coldKey = async (tier: Pick<NodeJob, 'l1' | 'bus'>, label: string): Promise<void> => {
      const key = `cold-${randomUUID()}`;
      const counterKey = `${key}:factory-calls`;
      const job: NodeJob = {
        store: nodeStore,
        ...tier,
        task: 'flight',
        params: { key, counterKey, calls: CALLS_PER_PROCESS, factoryMs: FACTORY_MS, ttl: '5m' },
      };
      const reports = await withNodes(Array(PROCESSES).fill(job), async (nodes) => {
        for (const node of nodes) node.go();
        return Promise.all(nodes.map((node) => node.result<FlightReport>(30_000)));
      });

      // Counted in the backend, whatever the processes believe.
      expect(await cache.increment(counterKey, 0)).toBe(1);
      expect(reports.reduce((sum, report) => sum + report.factoryRuns, 0)).toBe(1);
      expect(reports.reduce((sum, report) => sum + report.calls, 0)).toBe(PROCESSES * CALLS_PER_PROCESS);
      // Everyone got the winner's value.
      const values = new Set(reports.flatMap((report) => report.distinct));
      expect(values.size).toBe(1);
      const winner = reports.find((report) => report.factoryRuns === 1) as FlightReport;
      expect(JSON.parse([...values][0] as string).by).toBe(winner.pid);

      const start = Math.min(...reports.map((report) => report.startedMs));
      const end = Math.max(...reports.map((report) => report.lastDoneMs));
      const waiterLag = Math.max(
        ...reports
          .filter((report) => report !== winner)
          .map((report) => report.lastDoneMs - winner.lastDoneMs),
      );
      console.info(
        `[distributed ${driver.backend}${label}] 1 factory call of ${FACTORY_MS} ms for ${PROCESSES * CALLS_PER_PROCESS} callers: ` +
          `wall ${(end - start).toFixed(0)} ms, last waiter done ${waiterLag.toFixed(0)} ms after the winner`,
      );
    };

    it(`${PROCESSES} processes × ${CALLS_PER_PROCESS} concurrent distributed remember on a cold key: exactly 1 factory call`, async () => {
      await coldKey({}, '');
    }, 45_000);

    const bus = driver.bus;
    if (bus !== undefined) {
      it(`the same with an L1 and a ${bus(address).kind} bus on every node (waiters woken by the bus)`, async () => {
        await coldKey({ l1: { ttl: '5m' }, bus: { ...bus(address), channel: prefix } }, ', L1 + bus');
      }, 45_000);
    }

    it('a factory that outlives the lease (4 s > 3 s): the lease is extended, still exactly 1 factory call', async () => {
      const key = `slow-${randomUUID()}`;
      const counterKey = `${key}:factory-calls`;
      const job: NodeJob = {
        store: nodeStore,
        task: 'flight',
        params: { key, counterKey, calls: 50, factoryMs: LEASE_MS + 1_000, lockTimeout: 30_000, ttl: '5m' },
      };
      const reports = await withNodes(Array(PROCESSES).fill(job), async (nodes) => {
        for (const node of nodes) node.go();
        return Promise.all(nodes.map((node) => node.result<FlightReport>(30_000)));
      });
      expect(await cache.increment(counterKey, 0)).toBe(1);
      expect(new Set(reports.flatMap((report) => report.distinct)).size).toBe(1);
    }, 45_000);

    it('a winner killed (SIGKILL) mid-factory: a waiter takes over once its lease expires', async () => {
      const key = `orphan-${randomUUID()}`;
      const counterKey = `${key}:factory-calls`;
      const lockTimeout = 30_000;
      const victim: NodeJob = { store: nodeStore, task: 'hang', params: { key, counterKey, ttl: '5m' } };
      const waiter: NodeJob = {
        store: nodeStore,
        task: 'flight',
        params: { key, counterKey, calls: 50, factoryMs: 0, lockTimeout, ttl: '5m' },
      };
      const { reports, killedAt } = await withNodes(
        [victim, waiter, waiter, waiter],
        async ([dying, ...rest]) => {
          if (dying === undefined) throw new Error('no victim node');
          dying.go();
          await dying.event('in-factory', 15_000);
          // The victim holds the lease now: that is what the waiters will wait on.
          expect(await store.get(`\x1flease:${key}`)).toBeDefined();
          for (const node of rest) node.go();
          const at = monotonicMs();
          await dying.kill();
          return {
            killedAt: at,
            reports: await Promise.all(rest.map((node) => node.result<FlightReport>(20_000))),
          };
        },
      );

      // The dead winner's call and exactly one waiter's: the others waited for its value.
      expect(await cache.increment(counterKey, 0)).toBe(2);
      expect(reports.reduce((sum, report) => sum + report.factoryRuns, 0)).toBe(1);
      const values = new Set(reports.flatMap((report) => report.distinct));
      expect(values.size).toBe(1);
      const taker = reports.find((report) => report.factoryRuns === 1) as FlightReport;
      expect(JSON.parse([...values][0] as string).by).toBe(taker.pid);
      expect(reports.every((report) => report.calls === 50)).toBe(true);

      const firstDone = Math.min(...reports.map((report) => report.firstDoneMs)) - killedAt;
      const lastDone = Math.max(...reports.map((report) => report.lastDoneMs)) - killedAt;
      // The lease was honoured (extended at most a second before the kill, so it had
      // ≥ 2 s to live: nobody computed at once) and its expiry, not lockTimeout, freed the key.
      expect(firstDone).toBeGreaterThan(LEASE_MS / 3);
      expect(lastDone).toBeLessThan(LEASE_MS + 5_000);
      console.info(
        `[distributed ${driver.backend}] winner killed: first waiter done ${firstDone.toFixed(0)} ms, last ${lastDone.toFixed(0)} ms after the kill (lease ${LEASE_MS} ms, lockTimeout ${lockTimeout} ms)`,
      );
    }, 45_000);
  });
}
