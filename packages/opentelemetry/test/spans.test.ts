import { MemoryStore } from '@cache/memory';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { closedPort, describeRedis, harness, openCache, redisStore, uniquePrefix } from './support.js';

function parentOf(span: ReadableSpan | undefined): string | undefined {
  return span?.parentSpanContext?.spanId;
}

function idOf(span: ReadableSpan | undefined): string | undefined {
  return span?.spanContext().spanId;
}

describeRedis('spans of a Cache over RedisStore', () => {
  it('remember: a miss with its factory and store calls as children, then a hit', async () => {
    const h = harness();
    const cache = openCache({ store: redisStore(), name: 'users' });
    let runs = 0;
    const load = async () => {
      runs++;
      return { id: 1 };
    };
    expect(await cache.remember('user:1', 60_000, load)).toEqual({ id: 1 });
    expect(await cache.remember('user:1', 60_000, load)).toEqual({ id: 1 });
    expect(runs).toBe(1);

    const [miss, hit] = h.spans('cache.remember');
    expect(h.spans('cache.remember')).toHaveLength(2);
    expect(miss?.kind).toBe(SpanKind.INTERNAL);
    expect(miss?.attributes).toMatchObject({
      'cache.name': 'users',
      'cache.operation': 'remember',
      'cache.store': 'redis',
      'cache.hit': false,
      'cache.stale': false,
    });
    expect(hit?.attributes).toMatchObject({ 'cache.hit': true, 'cache.tier': 'l2' });
    expect(miss?.status.code).toBe(SpanStatusCode.UNSET);

    const factories = h.spans('cache.factory');
    expect(factories).toHaveLength(1);
    expect(factories[0]?.kind).toBe(SpanKind.INTERNAL);
    expect(parentOf(factories[0])).toBe(idOf(miss));

    const gets = h.spans('get redis');
    expect(gets.map(parentOf)).toEqual([idOf(miss), idOf(hit)]);
    const sets = h.spans('set redis');
    expect(sets.map(parentOf)).toEqual([idOf(miss)]);
    for (const span of [...gets, ...sets]) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.spanContext().traceId).toBe(span.parentSpanContext?.traceId);
      expect(span.attributes['db.system.name']).toBe('redis');
      expect(span.attributes['cache.name']).toBe('users');
    }
    expect(gets[0]?.attributes['db.operation.name']).toBe('get');
    expect(sets[0]?.attributes['db.operation.name']).toBe('set');
    // Keys are opt-in.
    for (const span of h.exporter.getFinishedSpans()) expect(span.attributes).not.toHaveProperty('cache.key');
  });

  it('captureKeys adds the caller key to cache and factory spans, the store key to store spans', async () => {
    const h = harness({ captureKeys: true });
    const cache = openCache({ store: redisStore() });
    await cache.remember('user:42', 60_000, () => 'ada');
    await cache.getMany(['user:42', 'user:43']);
    expect(h.spans('cache.remember')[0]?.attributes['cache.key']).toBe('user:42');
    expect(h.spans('cache.factory')[0]?.attributes['cache.key']).toBe('user:42');
    expect(String(h.spans('get redis')[0]?.attributes['cache.key'])).toContain('user:42');
    const batch = h.spans('cache.getMany')[0];
    expect(batch?.attributes).toMatchObject({ 'cache.batch.size': 2, 'cache.batch.hits': 1 });
    expect(batch?.attributes['cache.keys']).toEqual(['user:42', 'user:43']);
    expect(h.spans('getMany redis')[0]?.attributes['db.operation.batch.size']).toBe(2);
  });

  it('a store that fails sets ERROR on the store span and on a call that rejects', async () => {
    const h = harness();
    const port = await closedPort();
    const cache = openCache({ store: redisStore({ url: `redis://127.0.0.1:${port}`, timeout: 200 }) });
    await expect(cache.get('k')).rejects.toMatchObject({ name: 'StoreError' });
    const [call] = h.spans('cache.get');
    const [store] = h.spans('get redis');
    expect(parentOf(store)).toBe(idOf(call));
    for (const span of [call, store]) {
      expect(span?.status.code).toBe(SpanStatusCode.ERROR);
      expect(span?.status.message).toContain('ECONNREFUSED');
      expect(span?.attributes['error.type']).toBe('StoreError');
      expect(span?.events.map((event) => event.name)).toEqual(['exception']);
    }
    // remember fails open to its factory: the call succeeds, its store calls failed.
    expect(await cache.remember('k', 60_000, () => 7)).toBe(7);
    const remember = h.spans('cache.remember')[0];
    expect(remember?.status.code).toBe(SpanStatusCode.UNSET);
    expect(h.spans('get redis')[1]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(parentOf(h.spans('cache.factory')[0])).toBe(idOf(remember));
  });

  it('an invalid key rejects with an ERROR span naming the error type', async () => {
    const h = harness();
    const cache = openCache({ store: redisStore() });
    await expect(cache.get('')).rejects.toMatchObject({ name: 'InvalidKeyError' });
    expect(h.spans('cache.get')[0]?.attributes['error.type']).toBe('InvalidKeyError');
    expect(h.spans('cache.get')[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(h.spans('get redis')).toHaveLength(0);
  });

  it('a hybrid cache reports the tier that answered: l1, or l2 on another node', async () => {
    const h = harness();
    const prefix = uniquePrefix();
    const node = openCache({ store: redisStore({ prefix }), l1: new MemoryStore() });
    const other = openCache({ store: redisStore({ prefix }), l1: new MemoryStore() });
    await node.set('k', 1);
    expect(await node.get('k')).toBe(1);
    expect(await other.get('k')).toBe(1);
    const [fromL1, fromL2] = h.spans('cache.get');
    expect(fromL1?.attributes).toMatchObject({ 'cache.hit': true, 'cache.tier': 'l1' });
    expect(fromL2?.attributes).toMatchObject({ 'cache.hit': true, 'cache.tier': 'l2' });
    // Only the L2 read reached Redis.
    expect(h.spans('get redis').map(parentOf)).toEqual([idOf(fromL2)]);
  });

  it('the application span in effect is the parent; one it opens inside a factory outranks cache.factory', async () => {
    const h = harness();
    const cache = openCache({ store: redisStore() });
    const tracer = h.tracerProvider.getTracer('app');
    await tracer.startActiveSpan('request', async (request) => {
      await cache.remember('page', 60_000, async () => {
        await cache.get('inside-factory');
        return tracer.startActiveSpan('query', async (query) => {
          await cache.get('inside-query');
          query.end();
          return 'html';
        });
      });
      request.end();
    });
    const [request] = h.spans('request');
    const [query] = h.spans('query');
    const [remember] = h.spans('cache.remember');
    const [factory] = h.spans('cache.factory');
    const gets = h.spans('cache.get');
    expect(parentOf(remember)).toBe(idOf(request));
    expect(parentOf(factory)).toBe(idOf(remember));
    expect(gets.find((s) => parentOf(s) === idOf(factory))).toBeDefined();
    expect(gets.find((s) => parentOf(s) === idOf(query))).toBeDefined();
    // The application's own span is a child of the context it had (OTel's context manager never sees ours).
    expect(parentOf(query)).toBe(idOf(request));
    const traceIds = new Set(h.exporter.getFinishedSpans().map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
  });

  it('requireParentSpan opens no root spans, yet records metrics', async () => {
    const h = harness({ requireParentSpan: true });
    const cache = openCache({ store: redisStore(), name: 'strict' });
    await cache.get('orphan');
    expect(h.exporter.getFinishedSpans()).toHaveLength(0);
    expect(await h.recorded('cache.operation.duration', { 'cache.name': 'strict' })).toBe(1);
    expect(await h.recorded('cache.store.duration', { 'cache.name': 'strict' })).toBe(1);
    const tracer = h.tracerProvider.getTracer('app');
    await tracer.startActiveSpan('request', async (span) => {
      await cache.get('child');
      span.end();
    });
    expect(h.spans('cache.get')).toHaveLength(1);
    expect(parentOf(h.spans('get redis')[0])).toBe(idOf(h.spans('cache.get')[0]));
  });
});
