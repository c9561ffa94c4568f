import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CacheTimeoutError } from '@cache/core';
import { RedisStore } from '@cache/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFaultRecoverySuite } from '../src/fault-recovery.js';
import { freePort } from '../src/free-port.js';
import { codeOf, EscapedErrors, JITTER_MS, pollUntil } from '../src/outage.js';
import { REDIS_SERVER, ServerProcess } from '../src/server-process.js';

runFaultRecoverySuite({
  name: 'redis (own redis-server, SIGKILL)',
  server: REDIS_SERVER,
  createStore: (port, prefix) => new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix }),
});

/** Deadline of the stores under test: short, so the suite stays quick. */
const TIMEOUT_MS = 400;
const value = new TextEncoder().encode('v');

/** Whether process `pid` is stopped (state `T` in /proc): SIGSTOP is delivered asynchronously. */
function isStopped(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

/** The rejection of `call` and how long it took; a resolution or a hang past `boundMs` fails the test. */
async function rejection(
  call: () => Promise<unknown>,
  boundMs: number,
): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${boundMs} ms`)), boundMs);
  });
  try {
    const error = await Promise.race([
      call().then(
        () => new Error('resolved while the server was frozen'),
        (reason: unknown) => reason,
      ),
      hang,
    ]);
    return { error, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

describe('deadline: a redis-server frozen with SIGSTOP', () => {
  let server: ServerProcess;
  let pid = 0;
  let injected: Redis;
  let owned: RedisStore;
  let onInjected: RedisStore;
  let withDefault: RedisStore;
  // A call cut off by its deadline gets its late reply (or error) after SIGCONT: it must go nowhere.
  const escaped = new EscapedErrors();

  beforeAll(async () => {
    escaped.start();
    server = new ServerProcess(REDIS_SERVER, await freePort());
    await server.start();
    const url = `redis://127.0.0.1:${server.port}`;
    owned = new RedisStore({ url, prefix: `frozen-${randomUUID()}`, timeout: TIMEOUT_MS });
    // An injected client with ioredis' defaults (offline queue on, retries): the deadline is the store's.
    injected = new Redis(url);
    onInjected = new RedisStore({
      client: injected,
      prefix: `frozen-${randomUUID()}`,
      timeout: `${TIMEOUT_MS}ms`,
    });
    withDefault = new RedisStore({ url, prefix: `frozen-${randomUUID()}` });
    await Promise.all([
      owned.set('k', value, 60_000),
      onInjected.set('k', value, 60_000),
      withDefault.get('k'),
    ]);
    const info = await injected.info('server');
    pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
  });

  afterAll(async () => {
    escaped.stop();
    if (pid > 0 && server?.running) process.kill(pid, 'SIGCONT');
    await Promise.allSettled([owned?.close(), onInjected?.close(), withDefault?.close()]);
    injected?.disconnect();
    await server?.kill();
  });

  it(`rejects every call with CacheTimeoutError within the deadline, then works again after SIGCONT`, async () => {
    process.kill(pid, 'SIGSTOP');
    await pollUntil(async () => isStopped(pid), 2_000);
    // The default deadline (5 s) runs alongside the short ones.
    const defaultDeadline = rejection(() => withDefault.get('k'), 5_000 + JITTER_MS * 2);

    for (const store of [owned, onInjected]) {
      const calls: Record<string, () => Promise<unknown>> = {
        get: () => store.get('k'),
        getMany: () => store.getMany(['k', 'other']),
        set: () => store.set('k', value, 60_000),
        setMany: () => store.setMany([{ key: 'a', value, ttl: 60_000 }]),
        add: () => store.add('fresh', value, 60_000),
        increment: () => store.increment('n', 1, 60_000),
        delete: () => store.delete('k'),
        deleteMany: () => store.deleteMany(['a', 'b']),
        deleteIfEquals: () => store.deleteIfEquals('k', value),
        flush: () => store.flush(),
      };
      const outcomes = await Promise.all(
        Object.values(calls).map((call) => rejection(call, TIMEOUT_MS + JITTER_MS)),
      );
      Object.keys(calls).forEach((name, i) => {
        const { error, ms } = outcomes[i]!;
        expect(codeOf(error), `${name}: ${String(error)}`).toBe('CACHE_TIMEOUT');
        expect(error, name).toBeInstanceOf(CacheTimeoutError);
        // The deadline, not a fast failure: the server is connected, just silent.
        expect(ms, `${name} after ${Math.round(ms)} ms`).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      });
      expect((outcomes[2]!.error as CacheTimeoutError).maybeApplied, 'a set that timed out may apply').toBe(
        true,
      );
      expect((outcomes[0]!.error as CacheTimeoutError).maybeApplied).toBe(false);

      // A burst: one shared timer still cuts every call off within the deadline.
      const started = performance.now();
      const burst = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => store.get(`b${i}`)));
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + JITTER_MS);
      expect(burst.every((o) => o.status === 'rejected' && codeOf(o.reason) === 'CACHE_TIMEOUT')).toBe(true);
    }

    const slow = await defaultDeadline;
    expect(codeOf(slow.error)).toBe('CACHE_TIMEOUT');
    expect(slow.ms).toBeGreaterThanOrEqual(5_000 - 20);

    process.kill(pid, 'SIGCONT');
    for (const store of [owned, onInjected, withDefault]) {
      await pollUntil(async () => {
        await store.set('after', value, 60_000);
        return (await store.get('after')) !== undefined;
      }, 5_000);
      expect(await store.increment('n2', 2, 60_000)).toBe(2);
    }
    expect(escaped.reasons).toEqual([]);
  });

  it("close on a frozen server resolves after the stuck call's deadline plus the 1 s QUIT grace", async () => {
    const store = new RedisStore({
      url: `redis://127.0.0.1:${server.port}`,
      prefix: `frozen-${randomUUID()}`,
      timeout: TIMEOUT_MS,
    });
    await store.set('k', value, 60_000);
    process.kill(pid, 'SIGSTOP');
    try {
      await pollUntil(async () => isStopped(pid), 2_000);
      const stuck = store.get('k').catch((error: unknown) => error);
      const started = performance.now();
      // close() waits for the stuck call (cut off by its deadline), then gives up on QUIT.
      await store.close();
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_000 + JITTER_MS);
      expect(codeOf(await stuck)).toBe('CACHE_TIMEOUT');
      await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
