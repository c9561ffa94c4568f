import { readFileSync } from 'node:fs';
import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { describe, expect, it } from 'vitest';
import {
  CacheInstrumentation,
  dbSystemName,
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
} from '../src/index.js';
import { after, harness } from './support.js';

function memoryCache(name = 'mem'): Cache {
  const cache = new Cache({ store: new MemoryStore(), name });
  after(() => cache.close());
  return cache;
}

describe('CacheInstrumentation as an OpenTelemetry instrumentation', () => {
  it('is an Instrumentation named after the package, at its version', () => {
    const instrumentation: Instrumentation = new CacheInstrumentation({ enabled: false });
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(instrumentation.instrumentationName).toBe(INSTRUMENTATION_NAME);
    expect(INSTRUMENTATION_NAME).toBe(manifest.name);
    expect(instrumentation.instrumentationVersion).toBe(INSTRUMENTATION_VERSION);
    expect(INSTRUMENTATION_VERSION).toBe(manifest.version);
  });

  it('is enabled on construction by default, as OpenTelemetry instrumentations are', () => {
    const instrumentation = new CacheInstrumentation();
    after(() => instrumentation.disable());
    expect(instrumentation.isEnabled()).toBe(true);
    expect(instrumentation.getConfig()).toEqual({ enabled: true });
    expect(new CacheInstrumentation({ enabled: false }).isEnabled()).toBe(false);
  });

  it('registerInstrumentations hands it the providers, enables it, and its undo disables it', async () => {
    const h = harness({ enabled: false });
    const instrumentation = new CacheInstrumentation({ enabled: false });
    const unregister = registerInstrumentations({
      instrumentations: [instrumentation],
      tracerProvider: h.tracerProvider,
      meterProvider: h.meterProvider,
    });
    after(unregister);
    expect(instrumentation.isEnabled()).toBe(true);
    const cache = memoryCache('registered');
    await cache.set('k', 1);
    expect(await cache.get('k')).toBe(1);
    expect(h.spans('cache.set')).toHaveLength(1);
    expect(h.spans('cache.get')[0]?.attributes).toMatchObject({
      'cache.name': 'registered',
      'cache.hit': true,
    });
    expect(await h.count('cache.requests', { 'cache.name': 'registered', 'cache.result': 'hit' })).toBe(1);
    unregister();
    expect(instrumentation.isEnabled()).toBe(false);
    await cache.get('k');
    expect(h.spans('cache.get')).toHaveLength(1);
  });

  it('disable() stops spans and metrics; enable() resumes them; both are idempotent', async () => {
    const h = harness();
    const cache = memoryCache('toggled');
    await cache.get('a');
    h.instrumentation.disable();
    h.instrumentation.disable();
    await cache.get('b');
    await cache.remember('c', 60_000, () => 1);
    // (A by-reference memory store is read in-process: no store spans.)
    expect(h.exporter.getFinishedSpans().map((span) => span.name)).toEqual(['cache.get']);
    expect(await h.recorded('cache.operation.duration', { 'cache.name': 'toggled' })).toBe(1);
    h.instrumentation.enable();
    h.instrumentation.enable();
    await cache.get('d');
    // One span per call: enabling twice did not subscribe twice.
    expect(h.spans('cache.get')).toHaveLength(2);
  });

  it('setConfig applies to calls that start afterwards', async () => {
    const h = harness();
    const cache = memoryCache();
    await cache.get('hidden');
    h.instrumentation.setConfig({ captureKeys: true });
    expect(h.instrumentation.getConfig()).toEqual({ enabled: true, captureKeys: true });
    await cache.get('shown');
    expect(h.spans('cache.get').map((span) => span.attributes['cache.key'])).toEqual([undefined, 'shown']);
  });

  it('names namespaces and lock outcomes without calling them hits', async () => {
    const h = harness();
    const cache = memoryCache();
    await cache.namespace('tenant').get('k');
    const lock = await cache.tryLock('job', 10_000);
    expect(await cache.tryLock('job', 10_000)).toBeUndefined();
    await lock?.release();
    expect(h.spans('cache.get')[0]?.attributes['cache.namespace']).toBe('tenant');
    const locks = h.spans('cache.tryLock');
    expect(locks.map((span) => span.attributes['cache.lock.acquired'])).toEqual([true, false]);
    for (const span of locks) expect(span.attributes).not.toHaveProperty('cache.hit');
    expect(await h.count('cache.requests', { 'cache.operation': 'tryLock' })).toBe(0);
  });

  it('maps driver names to db.system.name values of the semantic conventions', () => {
    expect(dbSystemName('postgres')).toBe('postgresql');
    expect(dbSystemName('dynamodb')).toBe('aws.dynamodb');
    expect(dbSystemName('redis')).toBe('redis');
    expect(dbSystemName('mysql')).toBe('mysql');
    expect(dbSystemName('custom')).toBe('custom');
  });
});
