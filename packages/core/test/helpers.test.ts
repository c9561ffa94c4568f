import { describe, expect, it, vi } from 'vitest';
import { Cache, type CacheEvent, LockTimeoutError, StoreError, utf8 } from '../src/index.js';
import { MapStore } from './support/map-store.js';

describe('remember (singleflight)', () => {
  it('a call for a key this process is computing joins the flight without reading the store', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    let release: (value: string) => void = () => {};
    const first = cache.remember('k', '1m', () => new Promise<string>((resolve) => (release = resolve)));
    await vi.waitFor(() => expect(store.count('get')).toBe(1));
    // A read now could overlap the first call's write and miss it: the second call waits instead.
    const second = cache.remember('k', '1m', () => 'recomputed');
    await Promise.resolve();
    expect(store.count('get'), 'no second read').toBe(1);
    release('computed');
    expect(await Promise.all([first, second])).toEqual(['computed', 'computed']);
  });

  it('1,000 concurrent callers on a cold key: one factory call, one store read, one store write', async () => {
    const store = new MapStore();
    store.latencyMs = 5;
    const cache = new Cache({ store });
    let calls = 0;
    const factory = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { computed: true };
    };
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => cache.remember('cold', '1m', factory)),
    );
    expect(calls).toBe(1);
    expect(results.every((r) => r.computed === true)).toBe(true);
    expect(store.count('get')).toBe(1);
    expect(store.count('set')).toBe(1);
    expect(await cache.remember('cold', '1m', factory)).toEqual({ computed: true });
    expect(calls).toBe(1);
  });

  it('a factory error reaches every waiter and is not cached', async () => {
    const cache = new Cache({ store: new MapStore() });
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('db down');
    };
    const settled = await Promise.allSettled(
      Array.from({ length: 50 }, () => cache.remember('k', '1m', failing)),
    );
    expect(settled.every((s) => s.status === 'rejected' && (s.reason as Error).message === 'db down')).toBe(
      true,
    );
    expect(calls).toBe(1);
    expect(await cache.remember('k', '1m', () => 'ok')).toBe('ok');
    expect(calls).toBe(1);
  });

  it('a waiter that aborts leaves; the flight goes on for the others', async () => {
    const cache = new Cache({ store: new MapStore() });
    let release!: (v: string) => void;
    const factory = () => new Promise<string>((r) => (release = r));
    const controller = new AbortController();
    const leaving = cache.remember('k', '1m', factory, { signal: controller.signal });
    const staying = cache.remember('k', '1m', factory);
    await vi.waitFor(() => expect(release).toBeTypeOf('function'));
    controller.abort(new Error('gone'));
    await expect(leaving).rejects.toThrow('gone');
    release('value');
    expect(await staying).toBe('value');
  });

  it('the factory sees an aborted signal once every waiter left', async () => {
    const cache = new Cache({ store: new MapStore() });
    let seen: AbortSignal | undefined;
    const controller = new AbortController();
    const pending = cache.remember(
      'k',
      '1m',
      ({ signal }) => {
        seen = signal;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      { signal: controller.signal },
    );
    await vi.waitFor(() => expect(seen).toBeDefined());
    controller.abort(new Error('bye'));
    await expect(pending).rejects.toThrow('bye');
    expect(seen?.aborted).toBe(true);
  });
});

describe('rememberStale', () => {
  it('serves the last good value as stale when the factory fails inside the stale window', async () => {
    const cache = new Cache({ store: new MapStore() });
    expect(await cache.rememberStale('k', 30, '10s', () => 'v1')).toEqual({ value: 'v1', stale: false });
    expect(await cache.rememberStale('k', 30, '10s', () => 'ignored')).toEqual({ value: 'v1', stale: false });
    await vi.waitFor(async () => expect(await cache.get('k')).toBeUndefined(), { interval: 5 });
    const failing = () => {
      throw new Error('upstream down');
    };
    expect(await cache.rememberStale('k', 30, '10s', failing)).toEqual({ value: 'v1', stale: true });
    expect(await cache.rememberStale('k', 30, '10s', () => 'v2')).toEqual({ value: 'v2', stale: false });
  });

  it('rethrows the factory error when nothing stale is left, with the store error as cause', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    await expect(
      cache.rememberStale('k', 30, 30, () => {
        throw new Error('no data');
      }),
    ).rejects.toThrow('no data');
    store.failWith = new StoreError('map', 'get', new Error('ECONNRESET'));
    const error = (await cache
      .rememberStale('k', 30, 30, () => {
        throw new Error('no data');
      })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe('no data');
    expect((error.cause as StoreError).code).toBe('CACHE_STORE_ERROR');
  });

  it('a store outage does not fail a call whose factory succeeds', async () => {
    const store = new MapStore();
    store.failWith = new StoreError('map', 'get', new Error('down'));
    const events: CacheEvent[] = [];
    const cache = new Cache({ store, observer: (e) => events.push(e) });
    expect(await cache.rememberStale('k', '1m', '1m', () => 42)).toEqual({ value: 42, stale: false });
    expect(events.some((e) => e.error instanceof StoreError)).toBe(true);
  });

  it('a plain get treats an entry past its fresh TTL as a miss', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.rememberStale('k', 30, '10s', () => 'v');
    expect(await cache.get('k')).toBe('v');
    await vi.waitFor(async () => expect(await cache.get('k')).toBeUndefined(), { interval: 5 });
    expect(await cache.getMany(['k'])).toEqual([undefined]);
  });
});

describe('refreshAhead', () => {
  it('returns the cached value at once and refreshes in the background inside the window', async () => {
    const cache = new Cache({ store: new MapStore() });
    let version = 0;
    const factory = async () => {
      const v = ++version;
      // the refresh is slow: callers must not wait for it
      if (v > 1) await new Promise((r) => setTimeout(r, 100));
      return v;
    };
    expect(await cache.refreshAhead('k', 400, 300, factory)).toBe(1);
    // before the window opens (first 100 ms) nothing refreshes
    expect(await cache.refreshAhead('k', 400, 300, factory)).toBe(1);
    expect(version).toBe(1);
    // inside the window the cached value is still served while a refresh runs
    const served: number[] = [];
    await vi.waitFor(
      async () => {
        served.push(await cache.refreshAhead('k', 400, 300, factory));
        expect(version).toBe(2);
      },
      { interval: 5 },
    );
    expect(served.at(-1)).toBe(1);
    expect(await cache.get('k')).toBe(1);
    await vi.waitFor(async () => expect(await cache.get('k')).toBe(2), { interval: 5 });
    expect(version).toBe(2);
  });

  it('a failing refresh keeps the old value and is reported', async () => {
    const events: CacheEvent[] = [];
    const cache = new Cache({ store: new MapStore(), observer: (e) => events.push(e) });
    await cache.refreshAhead('k', 300, 300, () => 'old');
    expect(
      await cache.refreshAhead('k', 300, 300, () => {
        throw new Error('refresh failed');
      }),
    ).toBe('old');
    await vi.waitFor(() =>
      expect(events.some((e) => e.op === 'refresh' && e.error !== undefined)).toBe(true),
    );
    expect(await cache.get('k')).toBe('old');
  });

  it('does not refresh while another process holds the refresh lock', async () => {
    const store = new MapStore();
    // Only a shared store has other processes to coordinate with.
    Object.assign(store, { capabilities: { ...store.capabilities, shared: true } });
    const cache = new Cache({ store });
    await cache.refreshAhead('k', 300, 300, () => 'v1');
    // Another process's refresher holds the internal refresh lock of "k".
    expect(await store.add('\u001frefresh:k', utf8('other-token'), 10_000)).toBe(true);
    let refreshed = 0;
    await cache.refreshAhead('k', 300, 300, () => {
      refreshed++;
      return 'v2';
    });
    await vi.waitFor(() => expect(store.count('add')).toBeGreaterThanOrEqual(2));
    await new Promise((r) => setImmediate(r));
    expect(refreshed).toBe(0);
    expect(await cache.get('k')).toBe('v1');
  });

  it('computes on a miss like remember', async () => {
    const cache = new Cache({ store: new MapStore() });
    let calls = 0;
    const values = await Promise.all(
      Array.from({ length: 20 }, () => cache.refreshAhead('cold', '1m', '10s', () => ++calls)),
    );
    expect(values.every((v) => v === 1)).toBe(true);
    expect(calls).toBe(1);
  });
});

describe('locks', () => {
  it('exactly one of many concurrent tryLock calls wins', async () => {
    const store = new MapStore();
    const caches = Array.from({ length: 5 }, () => new Cache({ store }));
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (caches[i % 5] as Cache).tryLock('job', '10s')),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
  });

  it('release is owner-safe: an expired owner cannot free the next owner', async () => {
    const cache = new Cache({ store: new MapStore() });
    const first = await cache.tryLock('job', 30);
    expect(first).toBeDefined();
    await vi.waitFor(async () => expect(await cache.tryLock('job', '10s')).toBeDefined(), { interval: 5 });
    expect(await first?.release()).toBe(false);
    expect(await cache.tryLock('job', '10s')).toBeUndefined();
  });

  it('lock() waits for a release, and times out with LockTimeoutError', async () => {
    const cache = new Cache({ store: new MapStore() });
    const held = await cache.tryLock('job', '10s');
    const waiting = cache.lock('job', '10s', { timeout: '2s' });
    setTimeout(() => void held?.release(), 30);
    const acquired = await waiting;
    expect(acquired.token).not.toBe(held?.token);
    await expect(cache.lock('job', '10s', { timeout: 50 })).rejects.toBeInstanceOf(LockTimeoutError);
    expect(await acquired.release()).toBe(true);
  });

  it('lock() stops waiting when its signal aborts', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.tryLock('job', '10s');
    const controller = new AbortController();
    const waiting = cache.lock('job', '10s', { signal: controller.signal, timeout: '5s' });
    setTimeout(() => controller.abort(new Error('shutdown')), 20);
    await expect(waiting).rejects.toThrow('shutdown');
  });

  it('withLock releases after the function, also when it throws', async () => {
    const cache = new Cache({ store: new MapStore() });
    expect(await cache.withLock('job', '10s', async (lock) => lock.key)).toBe('job');
    await expect(
      cache.withLock('job', '10s', () => {
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await cache.tryLock('job', '10s')).toBeDefined();
  });

  it('refuses a lock without expiry', async () => {
    const cache = new Cache({ store: new MapStore() });
    await expect(cache.tryLock('job', 'forever')).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
  });
});

describe('rateLimit', () => {
  it('counts within a window and starts over in the next one', async () => {
    const cache = new Cache({ store: new MapStore() });
    const window = 200;
    // start right after a window boundary so three calls land in one window
    await vi.waitFor(() => expect(Date.now() % window).toBeLessThan(100), { interval: 1 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await cache.rateLimit('ip', 2, window));
    expect(results.map((r) => [r.allowed, r.count, r.remaining])).toEqual([
      [true, 1, 1],
      [true, 2, 0],
      [false, 3, 0],
    ]);
    const resetAt = results[0]?.resetAt as number;
    expect(resetAt % window).toBe(0);
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(resetAt), { interval: 5 });
    const next = await cache.rateLimit('ip', 2, window);
    expect(next).toMatchObject({ allowed: true, count: 1 });
    expect(next.resetAt).toBeGreaterThan(resetAt);
  });

  it('rejects a non-positive limit', async () => {
    const cache = new Cache({ store: new MapStore() });
    await expect(cache.rateLimit('ip', 0, '1s')).rejects.toMatchObject({ code: 'CACHE_INVALID_ARGUMENT' });
  });
});
