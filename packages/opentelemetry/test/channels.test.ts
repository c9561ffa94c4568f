import { tracingChannel } from 'node:diagnostics_channel';
import { type CacheCallContext, CHANNELS } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { SpanStatusCode, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { harness, openCache } from './support.js';

// These tests publish on the channels the way @cache/core does, for the paths a real
// cache cannot be made to take on demand.
describe('channel edge cases', () => {
  it('a traced call that throws synchronously still ends its span (no asyncEnd follows)', async () => {
    const h = harness();
    const call: CacheCallContext = {
      operation: 'get',
      cache: 'sync',
      store: 'memory',
      namespace: undefined,
      key: 'k',
      keys: undefined,
    };
    expect(() =>
      tracingChannel<unknown, CacheCallContext>(CHANNELS.get).tracePromise(() => {
        throw new TypeError('thrown before any promise');
      }, call),
    ).toThrow(TypeError);
    const [span] = h.spans('cache.get');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('TypeError');
    expect(
      await h.recorded('cache.operation.duration', { 'cache.name': 'sync', 'error.type': 'TypeError' }),
    ).toBe(1);
  });

  it('a failing tracer never reaches the application (Node would rethrow it as uncaught)', async () => {
    const h = harness();
    const broken: Tracer = {
      startSpan: () => {
        throw new Error('tracer bug');
      },
      startActiveSpan: () => {
        throw new Error('tracer bug');
      },
    };
    const provider: TracerProvider = { getTracer: () => broken };
    h.instrumentation.setTracerProvider(provider);
    const cache = openCache({ store: new MemoryStore(), name: 'broken' });
    await cache.set('k', 1);
    expect(await cache.remember('k', 60_000, () => 2)).toBe(1);
    expect(h.exporter.getFinishedSpans()).toHaveLength(0);
  });
});
