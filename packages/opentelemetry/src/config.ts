/**
 * Options of {@link CacheInstrumentation}. Structurally an OpenTelemetry
 * `InstrumentationConfig`, so the package needs no runtime import of
 * `@opentelemetry/instrumentation`.
 */
export interface CacheInstrumentationConfig {
  /**
   * Whether the instrumentation starts enabled (subscribed) when constructed.
   * Default `true`, as for every OpenTelemetry instrumentation.
   */
  enabled?: boolean;
  /**
   * Adds the caller's key as `cache.key` (batches: `cache.keys`) to cache and
   * factory spans, and the store key to store spans. Default `false`: keys often
   * carry user ids, emails or tokens, and exporters send them to a third party.
   * Keys never become metric attributes (unbounded cardinality).
   */
  captureKeys?: boolean;
  /**
   * Creates spans only when there is a parent span (an active span, or the cache
   * call a store call belongs to), so background work (refresh-ahead, bus
   * publishes of a call with no trace) opens no root traces. Default `false`.
   * Metrics are recorded either way.
   */
  requireParentSpan?: boolean;
}
