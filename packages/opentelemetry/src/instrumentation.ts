import { type MeterProvider, metrics, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import type { CacheInstrumentationConfig } from './config.js';
import { CacheMetrics } from './metrics.js';
import { Recorder } from './recorder.js';
import { subscribeAll } from './subscriptions.js';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';

/**
 * The OpenTelemetry instrumentation of `@cache/core`: spans and metrics for cache
 * calls, factory runs, store calls and bus publishes. It implements the
 * `Instrumentation` interface of `@opentelemetry/instrumentation` (so it goes in
 * `registerInstrumentations` or `NodeSDK`'s `instrumentations`) without patching
 * any module: `enable()` subscribes to the `diagnostics_channel` tracing channels
 * the core publishes on, `disable()` unsubscribes. It works the same for ESM and
 * CommonJS applications, and wherever `@cache/core` was loaded from.
 *
 * As every OpenTelemetry instrumentation, it is enabled on construction unless
 * `enabled: false`, and uses the global tracer and meter providers until given others.
 */
export class CacheInstrumentation {
  /** `@cache/opentelemetry`: the instrumentation scope of its spans and metrics. */
  readonly instrumentationName: string = INSTRUMENTATION_NAME;
  /** The package version. */
  readonly instrumentationVersion: string = INSTRUMENTATION_VERSION;
  #config: CacheInstrumentationConfig;
  readonly #recorder: Recorder;
  #unsubscribe: (() => void) | undefined;

  constructor(config: CacheInstrumentationConfig = {}) {
    this.#config = { enabled: true, ...config };
    this.#recorder = new Recorder(
      this.#tracerOf(trace),
      new CacheMetrics(metrics.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION)),
      this.#config,
    );
    if (this.#config.enabled === true) this.enable();
  }

  /** Subscribes to the cache channels (idempotent). */
  enable(): void {
    if (this.#unsubscribe !== undefined) return;
    this.#unsubscribe = subscribeAll(this.#recorder);
  }

  /** Unsubscribes (idempotent). Spans of calls in flight are not ended (not exported). */
  disable(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Whether it is subscribed (as `InstrumentationBase#isEnabled`). */
  isEnabled(): boolean {
    return this.#unsubscribe !== undefined;
  }

  /** Uses `tracerProvider` for the spans from now on. */
  setTracerProvider(tracerProvider: TracerProvider): void {
    this.#recorder.tracer = this.#tracerOf(tracerProvider);
  }

  /** Uses `meterProvider` for the metrics from now on (the instruments are created again). */
  setMeterProvider(meterProvider: MeterProvider): void {
    this.#recorder.metrics = new CacheMetrics(
      meterProvider.getMeter(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION),
    );
  }

  /**
   * Replaces the configuration (`enabled` defaults to `true`), effective for calls
   * that start afterwards. Does not enable or disable: call `enable()`/`disable()`.
   */
  setConfig(config: CacheInstrumentationConfig = {}): void {
    this.#config = { enabled: true, ...config };
    this.#recorder.config = this.#config;
  }

  /** The configuration. */
  getConfig(): CacheInstrumentationConfig {
    return this.#config;
  }

  #tracerOf(provider: { getTracer(name: string, version?: string): Tracer }): Tracer {
    return provider.getTracer(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION);
  }
}
