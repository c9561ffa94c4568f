import { randomUUID } from 'node:crypto';
import { Cache, type Store } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf, EscapedErrors, JITTER_MS, OUTAGE_CODES, pollUntil } from '../../src/outage.js';

/** A store whose server connections a test can find and terminate from the server side. */
export interface KillableStore {
  /** The store under test (it owns its pool). */
  readonly store: Store;
  /** Server-side ids of the connections the store's pool has open right now. */
  connectionIds(): Promise<number[]>;
  /**
   * Terminates every connection of the store's pool from the server side
   * (`pg_terminate_backend`, `KILL CONNECTION`), through an admin connection of
   * its own; resolves how many it terminated.
   */
  killConnections(): Promise<number>;
  /** Drops the test table and ends the admin connection (the suite closes the store). */
  dispose(): Promise<void>;
}

/** Options of {@link runConnectionKillSuite}. */
export interface ConnectionKillSuiteOptions {
  /** Suite title suffix. */
  readonly name: string;
  /** Builds the store (owning its pool) on `prefix`, with a way to kill its connections. */
  readonly setUp: (prefix: string) => Promise<KillableStore>;
  /** How fast every call must settle, failures included. Default 2,000 ms (also the Cache timeout). */
  readonly deadlineMs?: number;
  /** How soon after a kill round trips must work again. Default 5,000 ms. */
  readonly recoveryMs?: number;
}

/** Concurrent callers generating traffic. */
const LANES = 8;
const KILL_ROUNDS = 3;

/**
 * Registers a suite that terminates a SQL store's server connections from the
 * server side while traffic runs through a `Cache`, without restarting the
 * server or the application. It checks that:
 *
 * - calls on a killed connection fail fast (within the deadline) with a typed
 *   error (`StoreError` with the driver's error as `cause`), never hang, and
 *   never surface as an unhandled rejection or uncaught exception (pg reports
 *   killed idle clients as the pool's `error` event: unheard, that crashes the
 *   process);
 * - the pool recovers by itself: round trips resume on new connections within
 *   the recovery window, after each of several kill rounds and after killing
 *   idle connections;
 * - no increment was lost: the counter ends between the increments that
 *   succeeded and those attempted (a call that failed may or may not have
 *   committed: the kill can land between the commit and its answer).
 */
export function runConnectionKillSuite(options: ConnectionKillSuiteOptions): void {
  const deadlineMs = options.deadlineMs ?? 2_000;
  const recoveryMs = options.recoveryMs ?? 5_000;

  describe(`fault/recovery: ${options.name}`, () => {
    let target: KillableStore;
    let cache: Cache;
    const escaped = new EscapedErrors();

    beforeAll(async () => {
      escaped.start();
      target = await options.setUp(`fault-${randomUUID()}`);
      cache = new Cache({ store: target.store, timeout: deadlineMs, defaultTtl: '1m' });
    });

    afterAll(async () => {
      escaped.stop();
      await cache?.close().catch(() => undefined);
      await target?.dispose();
    });

    it('serves traffic on several pooled connections', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => cache.set(`k${i}`, { i })));
      expect(await cache.getMany(['k0', 'k49', 'missing'])).toEqual([{ i: 0 }, { i: 49 }, undefined]);
      expect(await cache.increment('counter', 0)).toBe(0);
      expect((await target.connectionIds()).length).toBeGreaterThan(1);
    });

    it(`connections killed ${KILL_ROUNDS}× mid-traffic: calls fail fast with typed errors, the pool recovers`, async () => {
      const traffic = new Traffic(cache, LANES);
      const killed = new Set<number>();
      try {
        await traffic.untilSucceeded(100, recoveryMs);
        for (let round = 0; round < KILL_ROUNDS; round++) {
          const ids = await target.connectionIds();
          expect(ids.length, `round ${round}: open connections`).toBeGreaterThan(0);
          for (const id of ids) killed.add(id);
          expect(await target.killConnections(), `round ${round}: terminated`).toBeGreaterThan(0);
          // Recovery: new calls succeed again, on new connections, with no restart.
          await traffic.untilSucceeded(traffic.succeeded + 100, recoveryMs);
        }
      } finally {
        await traffic.stop();
      }

      const { failures, slowestMs } = traffic;
      // The kills hit calls in flight (8 callers keep the pool busy).
      expect(failures.length).toBeGreaterThan(0);
      for (const { op, error } of failures) {
        expect(OUTAGE_CODES, `${op}: ${String(error)}`).toContain(codeOf(error));
        if (codeOf(error) === 'CACHE_STORE_ERROR') expect((error as Error).cause, op).toBeDefined();
      }
      expect(slowestMs, 'slowest call (ms)').toBeLessThan(deadlineMs + JITTER_MS);

      const counter = await cache.increment('counter', 0);
      expect(counter).toBeGreaterThanOrEqual(traffic.incrementsSucceeded);
      expect(counter).toBeLessThanOrEqual(traffic.incrementsAttempted);
      // Every killed connection is gone; the pool works on new ones.
      await expect
        .poll(async () => (await target.connectionIds()).filter((id) => killed.has(id)))
        .toEqual([]);
      expect((await target.connectionIds()).length).toBeGreaterThan(0);
      expect(escaped.reasons).toEqual([]);
    });

    it(`idle connections killed: round trips work again within ${recoveryMs} ms, nothing crashes`, async () => {
      await Promise.all(Array.from({ length: 8 }, (_, i) => cache.get(`k${i}`)));
      expect(await target.killConnections()).toBeGreaterThan(0);
      const started = performance.now();
      const failures: unknown[] = [];
      await pollUntil(async () => {
        try {
          await cache.set('after', { ok: true });
          return (await cache.get<{ ok: boolean }>('after'))?.ok === true;
        } catch (error) {
          failures.push(error);
          return false;
        }
      }, recoveryMs);
      expect(performance.now() - started).toBeLessThan(recoveryMs);
      for (const error of failures) expect(OUTAGE_CODES).toContain(codeOf(error));
      const lock = await cache.tryLock('job');
      expect(lock).toBeDefined();
      expect(await lock?.release()).toBe(true);
      expect(escaped.reasons).toEqual([]);
    });
  });
}

/** One failed call. */
interface Failure {
  readonly op: string;
  readonly error: unknown;
}

/**
 * `lanes` callers looping over a mix of operations until stopped, recording
 * every failure and the slowest call.
 */
class Traffic {
  succeeded = 0;
  incrementsAttempted = 0;
  incrementsSucceeded = 0;
  slowestMs = 0;
  readonly failures: Failure[] = [];
  readonly #lanes: Promise<void>[];
  #stopped = false;

  constructor(
    private readonly cache: Cache,
    lanes: number,
  ) {
    this.#lanes = Array.from({ length: lanes }, (_, lane) => this.#run(lane));
  }

  /** Waits until `count` calls have succeeded in total; fails after `ms`. */
  async untilSucceeded(count: number, ms: number): Promise<void> {
    await pollUntil(async () => this.succeeded >= count, ms);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#lanes);
  }

  async #run(lane: number): Promise<void> {
    for (let i = 0; !this.#stopped; i++) {
      const step = (lane + i) % 5;
      const key = `k${(lane * 7 + i) % 50}`;
      const started = performance.now();
      const op = ['get', 'set', 'increment', 'getMany', 'lock'][step] as string;
      try {
        if (step === 0) await this.cache.get(key);
        else if (step === 1) await this.cache.set(key, { lane, i });
        else if (step === 2) {
          this.incrementsAttempted++;
          await this.cache.increment('counter');
          this.incrementsSucceeded++;
        } else if (step === 3) await this.cache.getMany([key, 'k1', 'missing']);
        else {
          const lock = await this.cache.tryLock(`lock-${lane}`, '10s');
          await lock?.release();
        }
        this.succeeded++;
      } catch (error) {
        this.failures.push({ op, error });
      }
      this.slowestMs = Math.max(this.slowestMs, performance.now() - started);
      // Yield a macrotask now and then, so that the test's own polling gets a turn.
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
