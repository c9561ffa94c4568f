import { randomUUID } from 'node:crypto';
import { Cache, type CacheEvent, type CacheHealth } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisBus, RedisStore } from '@cache/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.js';
import { REDIS_SERVER, ServerProcess } from '../src/server-process.js';

/**
 * The L2 circuit breaker against a real outage: a Cache with an L1 over a
 * RedisStore on a redis-server this file starts (never a shared one), killed with
 * SIGKILL and restarted on the same port.
 */

/** Per-call deadline of the store: what "within their deadline" means below. */
const STORE_TIMEOUT_MS = 1_000;
const FAILURES = 3;
const OPEN_FOR_MS = 1_000;

/** Polls `probe` every 20 ms until it returns true; fails after `timeoutMs`. */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await probe())) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return performance.now() - started;
}

describe('L2 circuit breaker over a killed and restarted redis-server', () => {
  let server: ServerProcess;
  let url: string;

  beforeAll(async () => {
    server = new ServerProcess(REDIS_SERVER, await freePort());
    await server.start();
    url = `redis://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.kill();
  });

  it('L2 down: calls keep succeeding from L1 or the factory within the deadline, the circuit opens; L2 back: used again, circuit closed', async () => {
    const prefix = `breaker-${randomUUID()}`;
    const events: CacheEvent[] = [];
    const cache = new Cache({
      store: new RedisStore({ url, prefix, timeout: STORE_TIMEOUT_MS }),
      l1: new MemoryStore(),
      l1Ttl: '5m',
      circuitBreaker: { failures: FAILURES, openFor: OPEN_FOR_MS },
      observer: (event) => {
        if (event.op === 'circuit') events.push(event);
      },
    });
    // A second, plain view of the same server: what really reached L2.
    const direct = new Cache({ store: new RedisStore({ url, prefix, timeout: STORE_TIMEOUT_MS }) });
    try {
      const hot = Array.from({ length: 20 }, (_, i) => `hot:${i}`);
      for (const key of hot) await cache.set(key, { key }, '5m');
      expect(await cache.health()).toEqual({ store: true, circuit: 'closed', bus: 'none' });

      await server.kill();

      // Traffic during the outage: hot keys (in L1), cold keys through remember
      // (the factory), writes. Every call is timed.
      const latencies: number[] = [];
      const timed = async <T>(call: () => Promise<T>): Promise<T> => {
        const started = performance.now();
        try {
          return await call();
        } finally {
          latencies.push(performance.now() - started);
        }
      };
      let factoryRuns = 0;
      const healths: CacheHealth[] = [];
      const outageEnds = performance.now() + 2.5 * OPEN_FOR_MS;
      for (let round = 0; performance.now() < outageEnds; round++) {
        for (const key of hot) expect(await timed(() => cache.get(key))).toEqual({ key });
        const cold = `cold:${round}`;
        const computed = await timed(() =>
          cache.remember(cold, '5m', () => {
            factoryRuns++;
            return { cold };
          }),
        );
        expect(computed).toEqual({ cold });
        if (events.some((event) => event.circuit === 'open')) {
          // Open: writes go to L1 only and succeed; the value is served back from L1.
          await timed(() => cache.set(`outage:${round}`, round, '5m'));
          expect(await timed(() => cache.get(`outage:${round}`))).toBe(round);
          healths.push(await cache.health());
        }
        await new Promise((resolve) => setTimeout(resolve, 25)); // the traffic's pace
      }
      expect(events[0]).toMatchObject({ circuit: 'open' });
      expect(factoryRuns).toBeGreaterThan(10);
      // Within the deadline, every single call (the open circuit costs no timeouts at all).
      const worst = Math.max(...latencies);
      expect(worst).toBeLessThan(STORE_TIMEOUT_MS + 250);
      expect(healths.length).toBeGreaterThan(0);
      for (const health of healths) {
        expect(health.store).toBe(false);
        expect(['open', 'half-open']).toContain(health.circuit);
      }
      expect(healths.some((health) => health.circuit === 'open')).toBe(true);

      const sorted = [...latencies].sort((a, b) => a - b);
      const p99 = sorted[Math.floor(sorted.length * 0.99)] as number;
      console.info(
        `[breaker] ${latencies.length} calls during the outage, ${factoryRuns} factory runs: p50 ${(sorted[sorted.length >> 1] as number).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${worst.toFixed(1)} ms (deadline ${STORE_TIMEOUT_MS} ms)`,
      );

      // L2 back (an empty server on the same port): a write reaches it again and the circuit closes.
      const restartedAt = performance.now();
      await server.start();
      let attempt = 0;
      const recoveredMs = await until('a write reaching the restarted server', 15_000, async () => {
        attempt++;
        await cache.set('after-outage', attempt, '5m');
        return (await direct.get('after-outage').catch(() => undefined)) === attempt;
      });
      expect((await cache.health()).circuit).toBe('closed');
      expect(events.at(-1)).toMatchObject({ circuit: 'closed' });
      // Reads use L2 again too: a value only the server has is found.
      await direct.set('written-elsewhere', 'from L2', '5m');
      expect(await cache.get('written-elsewhere')).toBe('from L2');
      expect(await cache.health()).toEqual({ store: true, circuit: 'closed', bus: 'none' });
      console.info(
        `[breaker] restarted: a write reached L2 again ${recoveredMs.toFixed(0)} ms after the server listened (${(performance.now() - restartedAt).toFixed(0)} ms after the restart began), ${attempt} attempts`,
      );
    } finally {
      await cache.flush().catch(() => undefined);
      await Promise.all([cache.close(), direct.close()]);
    }
  }, 40_000);

  /**
   * KNOWN GAP (core, tiers/hybrid-tier.ts): with the bus on the same Redis as L2 —
   * the setup docs/hybrid.md shows — the outage also disconnects the bus, and a
   * disconnected bus bypasses L1 (`#slot`, `#putL1`): hot keys fail with
   * CircuitOpenError and every `remember` runs its factory (measured: 50 of 50
   * calls), so the cache does not "fall back to memory". While the circuit is open
   * no node can reach L2 either, so serving L1 would lose no coherence that exists.
   * Marked `fails` until the tier serves L1 while the circuit is open; then remove `.fails`.
   */
  it('L2 and its bus on one killed redis-server: hot keys still come from L1, remember computes once', async () => {
    if (!server.running) await server.start();
    const prefix = `breaker-bus-${randomUUID()}`;
    const bus = new RedisBus({ url, channel: prefix });
    const cache = new Cache({
      store: new RedisStore({ url, prefix, timeout: STORE_TIMEOUT_MS }),
      l1: new MemoryStore(),
      bus,
      circuitBreaker: { failures: FAILURES, openFor: OPEN_FOR_MS },
    });
    try {
      await until('the bus subscription', 5_000, async () => (await cache.health()).bus === 'connected');
      await cache.set('hot', 'from L1', '5m');
      await server.kill();
      let factoryRuns = 0;
      for (let i = 0; i < 20; i++) {
        expect(await cache.get('hot')).toBe('from L1');
        expect(await cache.remember('cold', '5m', () => ++factoryRuns)).toBe(1);
      }
    } finally {
      await cache.close();
      await bus.close();
    }
  }, 20_000);
});
