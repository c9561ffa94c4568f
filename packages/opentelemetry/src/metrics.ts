import type { Counter, Histogram, Meter } from '@opentelemetry/api';

/**
 * Bucket boundaries (seconds) for cache durations: an L1 hit takes microseconds, a
 * networked store call about a millisecond, a factory up to seconds. The SDK's
 * default boundaries (0 … 10 000) assume milliseconds and would put every cache
 * call in the first bucket.
 */
const SECONDS_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The metric instruments, created from one meter (again when the meter provider changes). */
export class CacheMetrics {
  /** `cache.operation.duration`: every facade call. */
  readonly operationDuration: Histogram;
  /** `cache.requests`: reads by `cache.result`, one per key. */
  readonly requests: Counter;
  /** `cache.factory.duration`: every factory run. */
  readonly factoryDuration: Histogram;
  /** `cache.store.duration`: every call to the store (L2). */
  readonly storeDuration: Histogram;
  /** `cache.bus.published`: every bus publish. */
  readonly busPublished: Counter;
  /** `cache.bus.gaps`: every gap a node's bus subscription sees. */
  readonly busGaps: Counter;
  /** `cache.bus.lag`: send-to-receive time of every message received from another node. */
  readonly busLag: Histogram;

  constructor(meter: Meter) {
    const seconds = (description: string) => ({
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    });
    this.operationDuration = meter.createHistogram(
      'cache.operation.duration',
      seconds('Duration of cache calls (get, set, remember, …), from call to settled promise.'),
    );
    this.requests = meter.createCounter('cache.requests', {
      description: 'Cache reads by result (hit, miss, stale); a batch counts once per key.',
      unit: '{request}',
    });
    this.factoryDuration = meter.createHistogram(
      'cache.factory.duration',
      seconds('Duration of factory runs of remember and friends.'),
    );
    this.storeDuration = meter.createHistogram(
      'cache.store.duration',
      seconds('Duration of calls the cache makes to its store (L2).'),
    );
    this.busPublished = meter.createCounter('cache.bus.published', {
      description: 'Coherence messages published on the bus.',
      unit: '{message}',
    });
    this.busGaps = meter.createCounter('cache.bus.gaps', {
      description:
        'Gaps seen on the bus (lost messages or connection, another node flushed): L1 was dropped.',
      unit: '{gap}',
    });
    this.busLag = meter.createHistogram(
      'cache.bus.lag',
      seconds(
        "Propagation lag of coherence messages: receive time minus the sender's send time (two clocks: exact on one host).",
      ),
    );
  }
}
