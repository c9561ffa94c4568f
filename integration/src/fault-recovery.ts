import { randomUUID } from 'node:crypto';
import { Cache, type Store } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { type ServerCommand, ServerProcess } from './server-process.js';
import { codeOf, EscapedErrors, JITTER_MS, OUTAGE_CODES, pollUntil, pollValue } from './outage.js';

/** Options of {@link runFaultRecoverySuite}. */
export interface FaultRecoveryOptions {
  /** Suite title suffix. */
  readonly name: string;
  /** The server binary the suite starts, kills and restarts on its own port. */
  readonly server: ServerCommand;
  /** A store talking to `127.0.0.1:<port>` under `prefix`. */
  readonly createStore: (port: number, prefix: string) => Store | Promise<Store>;
  /** How fast every call must fail while the server is down. Default 2,000 ms. */
  readonly deadlineMs?: number;
  /** How soon after the restart everything must work again. Default 5,000 ms. */
  readonly recoveryMs?: number;
}

/**
 * Registers a suite that crashes a real server under a `Cache`: it starts its own
 * server process on a free port, runs traffic, kills the process with SIGKILL,
 * checks that every kind of call (get, set, add, increment, tryLock, strict remember)
 * rejects within the deadline with a typed error and that nothing becomes an
 * unhandled rejection, restarts the server on the same port, and checks that
 * round trips, locks and refresh-ahead work again within the recovery window.
 *
 * The cache is configured with `timeout: deadlineMs`, so a driver that would
 * hang is cut off by the facade with a `CacheTimeoutError`; a driver that fails
 * fast surfaces its `StoreError`. Either is accepted; a hang or an untyped error
 * is not.
 */
export function runFaultRecoverySuite(options: FaultRecoveryOptions): void {
  const deadlineMs = options.deadlineMs ?? 2_000;
  const recoveryMs = options.recoveryMs ?? 5_000;

  describe(`fault/recovery: ${options.name}`, () => {
    let server: ServerProcess;
    let store: Store;
    let cache: Cache;
    const escaped = new EscapedErrors();

    beforeAll(async () => {
      escaped.start();
      server = new ServerProcess(options.server, await freePort());
      await server.start();
      store = await options.createStore(server.port, `fault-${randomUUID()}`);
      cache = new Cache({ store, timeout: deadlineMs, defaultTtl: '1m' });
    });

    afterAll(async () => {
      escaped.stop();
      await cache?.close().catch(() => undefined);
      await server?.kill();
    });

    it('serves traffic before the crash', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => cache.set(`k${i}`, { i })));
      expect(await cache.getMany(['k0', 'k49', 'missing'])).toEqual([{ i: 0 }, { i: 49 }, undefined]);
      expect(await cache.increment('counter', 5)).toBe(5);
      const lock = await cache.tryLock('job');
      expect(lock).toBeDefined();
      expect(await lock?.release()).toBe(true);
    });

    it(`fails every call within ${deadlineMs} ms with a typed error while the server is down`, async () => {
      // Traffic in flight at the moment of the crash must settle too.
      const inFlight = Array.from({ length: 100 }, (_, i) =>
        i % 2 === 0 ? cache.get(`k${i % 50}`) : cache.set(`k${i % 50}`, { i }),
      );
      // Observe them before the crash, so that a rejection is never momentarily unhandled.
      const inFlightSettled = Promise.allSettled(inFlight);
      await server.kill();
      const settled = await settleWithin(inFlightSettled, deadlineMs + JITTER_MS);
      for (const outcome of settled) {
        if (outcome.status === 'rejected') expect(OUTAGE_CODES).toContain(codeOf(outcome.reason));
      }

      const calls: Record<string, () => Promise<unknown>> = {
        get: () => cache.get('k1'),
        set: () => cache.set('k1', { down: true }),
        add: () => cache.add('fresh', 1),
        increment: () => cache.increment('counter'),
        tryLock: () => cache.tryLock('job'),
        getMany: () => cache.getMany(['k1', 'k2']),
        // Strict: the store's failure fails the call.
        remember: () => cache.remember('computed', '1m', () => 42, { failOpen: false }),
      };
      for (const [name, call] of Object.entries(calls)) {
        const started = performance.now();
        const error = await settleWithin(
          call().then(
            () => new Error(`${name} resolved while the server was down`),
            (reason: unknown) => reason,
          ),
          deadlineMs + JITTER_MS,
        );
        const elapsed = performance.now() - started;
        expect(codeOf(error), `${name}: ${String(error)}`).toBeOneOf(OUTAGE_CODES);
        expect(elapsed, `${name} took ${Math.round(elapsed)} ms`).toBeLessThan(deadlineMs + JITTER_MS);
      }
      // Fail-open (the default): remember answers from its factory within the deadline.
      const openStarted = performance.now();
      expect(
        await settleWithin(
          cache.remember('fail-open', '1m', () => 42),
          deadlineMs + JITTER_MS,
        ),
      ).toBe(42);
      expect(performance.now() - openStarted, 'fail-open remember').toBeLessThan(deadlineMs + JITTER_MS);
      // Several calls at once during the outage: all fail, none hangs.
      const burst = await settleWithin(
        Promise.allSettled(Array.from({ length: 50 }, (_, i) => cache.increment(`burst${i % 5}`))),
        deadlineMs + JITTER_MS,
      );
      expect(burst.every((outcome) => outcome.status === 'rejected')).toBe(true);
    });

    it(`works again within ${recoveryMs} ms of the restart: round trips, locks, refresh-ahead`, async () => {
      await server.start();
      const restarted = performance.now();
      // The server restarted empty (no persistence): round trips must come back by themselves.
      await pollUntil(async () => {
        await cache.set('after', { ok: true });
        return (await cache.get<{ ok: boolean }>('after'))?.ok === true;
      }, recoveryMs);
      const lock = await pollValue(() => cache.tryLock('job-after'), recoveryMs);
      expect(await cache.tryLock('job-after')).toBeUndefined();
      expect(await lock.release()).toBe(true);

      // Refresh-ahead: inside the window the cached value is served and recomputed in the background.
      let computed = 0;
      const factory = (): number => ++computed;
      expect(await cache.refreshAhead('refreshed', 3_000, 2_950, factory)).toBe(1);
      await pollUntil(
        async () => (await cache.refreshAhead('refreshed', 3_000, 2_950, factory)) >= 2,
        recoveryMs,
      );
      expect(computed).toBeGreaterThanOrEqual(2);
      expect(performance.now() - restarted).toBeLessThan(recoveryMs * 2);
      expect(escaped.reasons).toEqual([]);
    });
  });
}

/** `promise`, or a rejection naming the hang after `ms`. */
async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}
