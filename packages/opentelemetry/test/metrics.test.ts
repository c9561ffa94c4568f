import { MemoryBus } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { SpanKind } from '@opentelemetry/api';
import { expect, it, vi } from 'vitest';
import { closedPort, describeRedis, harness, openCache, redisStore, uniquePrefix } from './support.js';

describeRedis('metrics of a Cache over RedisStore', () => {
  it('cache.requests counts hits and misses exactly, per key for batches', async () => {
    const h = harness();
    const cache = openCache({ store: redisStore(), name: 'm' });
    await cache.remember('a', 60_000, () => 1); // miss
    await cache.remember('a', 60_000, () => 1); // hit
    await cache.remember('a', 60_000, () => 1); // hit
    await cache.get('absent'); // miss
    await cache.getMany(['a', 'b', 'c']); // 1 hit, 2 misses
    await cache.set('written', 1); // not a read
    const count = (match: Record<string, string>) =>
      h.count('cache.requests', { 'cache.name': 'm', ...match });
    expect(await count({ 'cache.operation': 'remember', 'cache.result': 'miss' })).toBe(1);
    expect(await count({ 'cache.operation': 'remember', 'cache.result': 'hit', 'cache.tier': 'l2' })).toBe(2);
    expect(await count({ 'cache.operation': 'get', 'cache.result': 'miss' })).toBe(1);
    expect(await count({ 'cache.operation': 'getMany', 'cache.result': 'hit' })).toBe(1);
    expect(await count({ 'cache.operation': 'getMany', 'cache.result': 'miss' })).toBe(2);
    expect(await count({ 'cache.operation': 'set' })).toBe(0);
    expect(await h.count('cache.requests')).toBe(7);
  });

  it('serves a stale value as result stale', async () => {
    const h = harness();
    const cache = openCache({ store: redisStore(), name: 'grace' });
    await cache.rememberStale('s', 20, 60_000, () => 'old');
    await vi.waitFor(async () => {
      const result = await cache.rememberStale('s', 20, 60_000, () => {
        throw new Error('source down');
      });
      expect(result).toEqual({ value: 'old', stale: true });
    });
    // The first stale answer ends the polling: every earlier one was a hit.
    expect(await h.count('cache.requests', { 'cache.name': 'grace', 'cache.result': 'stale' })).toBe(1);
    expect(h.spans('cache.rememberStale').at(-1)?.attributes['cache.stale']).toBe(true);
    expect(h.spans('cache.factory').at(-1)?.attributes['error.type']).toBe('Error');
  });

  it('duration histograms record every call, factory run and store call', async () => {
    const h = harness();
    const cache = openCache({ store: redisStore(), name: 'd' });
    await cache.remember('k', 60_000, () => 'v');
    await cache.remember('k', 60_000, () => 'v');
    const op = (match: Record<string, unknown>) =>
      h.recorded('cache.operation.duration', { 'cache.name': 'd', 'cache.operation': 'remember', ...match });
    expect(await op({ 'cache.hit': false })).toBe(1);
    expect(await op({ 'cache.hit': true, 'cache.tier': 'l2' })).toBe(1);
    expect(await h.recorded('cache.factory.duration', { 'cache.name': 'd' })).toBe(1);
    const store = (operation: string) =>
      h.recorded('cache.store.duration', { 'db.system.name': 'redis', 'db.operation.name': operation });
    expect(await store('get')).toBe(2);
    expect(await store('set')).toBe(1);
    const [point] = await h.points('cache.factory.duration');
    const histogram = point?.value as { sum: number; count: number };
    expect(histogram.sum).toBeGreaterThan(0);
    expect(histogram.sum).toBeLessThan(5); // seconds, not milliseconds
  });

  it('failed calls carry error.type on their durations', async () => {
    const h = harness();
    const port = await closedPort();
    const cache = openCache({
      store: redisStore({ url: `redis://127.0.0.1:${port}`, timeout: 200 }),
      name: 'down',
    });
    await expect(cache.get('k')).rejects.toBeDefined();
    expect(
      await h.recorded('cache.operation.duration', { 'cache.name': 'down', 'error.type': 'StoreError' }),
    ).toBe(1);
    expect(
      await h.recorded('cache.store.duration', { 'cache.name': 'down', 'error.type': 'StoreError' }),
    ).toBe(1);
    expect(await h.count('cache.requests', { 'cache.name': 'down' })).toBe(0);
  });

  it('bus publishes become producer spans and cache.bus.published; receivers record cache.bus.lag; a remote flush counts a gap', async () => {
    const h = harness();
    const prefix = uniquePrefix();
    const bus = new MemoryBus();
    const a = openCache({ store: redisStore({ prefix }), l1: new MemoryStore(), bus, name: 'a' });
    const b = openCache({ store: redisStore({ prefix }), l1: new MemoryStore(), bus, name: 'b' });
    // b's subscription starts in the background; the gap below needs it.
    await vi.waitFor(async () => expect((await b.health()).bus).toBe('connected'));
    await a.delete('k');
    await vi.waitFor(() => expect(h.spans('cache.bus.publish')).toHaveLength(1));
    const [publish] = h.spans('cache.bus.publish');
    expect(publish?.kind).toBe(SpanKind.PRODUCER);
    expect(publish?.attributes).toMatchObject({
      'messaging.system': 'memory',
      'messaging.operation.type': 'send',
      'cache.name': 'a',
      'cache.bus.kind': 'evict',
      'cache.bus.key_count': 1,
    });
    expect(publish?.parentSpanContext?.spanId).toBe(h.spans('cache.delete')[0]?.spanContext().spanId);
    expect(await h.count('cache.bus.published', { 'cache.name': 'a', 'messaging.system': 'memory' })).toBe(1);
    // The receiving node records the message's propagation lag.
    await vi.waitFor(async () =>
      expect(await h.recorded('cache.bus.lag', { 'cache.name': 'b', 'cache.bus.kind': 'evict' })).toBe(1),
    );

    await a.flush();
    await vi.waitFor(async () =>
      expect(await h.count('cache.bus.gaps', { 'cache.name': 'b', 'cache.bus.gap.reason': 'clear' })).toBe(1),
    );
  });
});
