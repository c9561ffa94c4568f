import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { canConnect } from '@cache/contract';
import { Cache, type CacheOptions } from '@cache/core';
import { RedisStore, type RedisStoreOptions } from '@cache/redis';
import { type Attributes, context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe } from 'vitest';
import { CacheInstrumentation, type CacheInstrumentationConfig } from '../src/index.js';

/** The shared Redis the tests use (never flushed: each cache has its own prefix). */
export const REDIS_URL = process.env.CACHE_REDIS_URL ?? 'redis://127.0.0.1:6379';

const redisUrl = new URL(REDIS_URL);
const redisReachable = await canConnect(
  { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
  500,
);
const requireAll = process.env.CACHE_REQUIRE_ALL === '1';
if (!redisReachable && !requireAll) {
  console.warn(`[opentelemetry] Redis suites skipped: no answer at ${REDIS_URL} (set CACHE_REDIS_URL)`);
}

/**
 * `describe` for suites on the real Redis: skipped (with the reason printed) when
 * Redis does not answer, except under `CACHE_REQUIRE_ALL=1`, where they run and fail.
 */
export function describeRedis(name: string, suite: () => void): void {
  if (redisReachable || requireAll) describe(name, suite);
  // Outside CI a developer may lack Redis: skipped, with the reason in the title.
  else describe.skip(`${name} [skipped: no Redis answers at ${REDIS_URL}]`, suite);
}

// Spans of the application's own `startActiveSpan` need a context manager, as in production.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** Reads the meter provider's metrics on demand. */
class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** An instrumentation wired to in-memory span and metric sinks, disabled after the test. */
export interface Harness {
  readonly instrumentation: CacheInstrumentation;
  readonly exporter: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** The finished spans named `name`. */
  spans(name: string): ReadableSpan[];
  /** The data points of metric `name` now (none when it recorded nothing). */
  points(name: string): Promise<DataPoint<unknown>[]>;
  /** The sum of counter `name` over the points whose attributes include `match`. */
  count(name: string, match?: Attributes): Promise<number>;
  /** How many values histogram `name` recorded over the points whose attributes include `match`. */
  recorded(name: string, match?: Attributes): Promise<number>;
}

const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map(async (cleanup) => cleanup()));
});

/** Runs `cleanup` after the current test. */
export function after(cleanup: () => unknown): void {
  cleanups.push(cleanup);
}

function matches(attributes: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([key, value]) => attributes[key] === value);
}

/** A harness for this test. Its instrumentation is enabled unless `config.enabled` is `false`. */
export function harness(config: CacheInstrumentationConfig = {}): Harness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const instrumentation = new CacheInstrumentation({ ...config, enabled: false });
  instrumentation.setTracerProvider(tracerProvider);
  instrumentation.setMeterProvider(meterProvider);
  instrumentation.setConfig(config);
  if (config.enabled !== false) instrumentation.enable();
  // Channels are process-wide: a test's instrumentation must not outlive it.
  after(() => instrumentation.disable());
  after(() => tracerProvider.shutdown());
  after(() => meterProvider.shutdown());
  const points = async (name: string): Promise<DataPoint<unknown>[]> => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    const metric = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as DataPoint<unknown>[];
  };
  return {
    instrumentation,
    exporter,
    tracerProvider,
    meterProvider,
    spans: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    points,
    count: async (name, match = {}) =>
      (await points(name))
        .filter((point) => matches(point.attributes, match))
        .reduce((sum, point) => sum + (point.value as number), 0),
    recorded: async (name, match = {}) =>
      (await points(name))
        .filter((point) => matches(point.attributes, match))
        .reduce((sum, point) => sum + (point.value as Histogram).count, 0),
  };
}

/** A store prefix no other test or process uses. */
export function uniquePrefix(label = 'otel'): string {
  return `${label}-${randomUUID()}`;
}

/** A RedisStore on the shared Redis (fresh prefix unless given), closed after the test. */
export function redisStore(options: Partial<RedisStoreOptions> = {}): RedisStore {
  const store = new RedisStore({ url: REDIS_URL, ...options, prefix: options.prefix ?? uniquePrefix() });
  after(() => store.close());
  return store;
}

/** A cache closed after the test. */
export function openCache(options: CacheOptions): Cache {
  const cache = new Cache(options);
  after(() => cache.close());
  return cache;
}

/** A TCP port nothing listens on (briefly bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
