import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Attributes,
  type Context,
  context,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ATTR, errorType } from './attributes.js';
import type { CacheInstrumentationConfig } from './config.js';
import type { CacheMetrics } from './metrics.js';

/**
 * What the work under one of our spans sees in {@link Recorder.scopes}: the span's
 * context, and the OpenTelemetry context that was active when the span started.
 */
export interface Scope {
  readonly context: Context;
  readonly active: Context;
}

/** A started call: its span (none when `requireParentSpan` found no parent) and start time. */
interface Started {
  readonly span: Span | undefined;
  readonly started: number;
}

/** A finished call. */
export interface Finished {
  readonly span: Span | undefined;
  readonly seconds: number;
  /** The error type when the call failed. */
  readonly errorType: string | undefined;
}

/** A tracing-channel context once the channel has settled it. */
export interface Settled {
  error?: unknown;
}

/**
 * Starts and ends the spans of channel contexts. The OpenTelemetry context
 * manager is not reachable from a `diagnostics_channel` subscriber (it cannot be
 * made to run the traced function), so the nesting of our own spans (store calls
 * and factory runs inside a cache call) travels in our own AsyncLocalStorage,
 * bound to the `start` channels: core runs each traced call inside it.
 */
export class Recorder {
  /** The scope of the innermost cache call or factory run of this async path. */
  readonly scopes = new AsyncLocalStorage<Scope | undefined>();
  readonly #started = new WeakMap<object, Started>();

  constructor(
    public tracer: Tracer,
    public metrics: CacheMetrics,
    public config: CacheInstrumentationConfig,
  ) {}

  /**
   * Starts the span of `channelContext` and returns the scope the traced call runs
   * in. The parent is our innermost scope while the OpenTelemetry context it started
   * under is still the active one; when the application activated a context since
   * (a span of its own, say inside a factory), that context is more inner: it wins.
   */
  start(channelContext: object, name: string, kind: SpanKind, attributes: Attributes): Scope | undefined {
    const active = context.active();
    const outer = this.scopes.getStore();
    const parent = outer !== undefined && outer.active === active ? outer.context : active;
    const traced = this.config.requireParentSpan !== true || trace.getSpan(parent) !== undefined;
    const span = traced ? this.tracer.startSpan(name, { kind, attributes }, parent) : undefined;
    this.#started.set(channelContext, { span, started: performance.now() });
    return span === undefined ? outer : { context: trace.setSpan(parent, span), active };
  }

  /**
   * Ends the span of a settled context: error status, exception event and
   * `error.type` on failure. `undefined` for a context this recorder never started
   * (it was enabled mid-call) or already ended.
   */
  finish(channelContext: Settled, attributes?: Attributes): Finished | undefined {
    const started = this.#started.get(channelContext);
    if (started === undefined) return undefined;
    this.#started.delete(channelContext);
    const seconds = (performance.now() - started.started) / 1000;
    const failed = 'error' in channelContext;
    const type = failed ? errorType(channelContext.error) : undefined;
    const { span } = started;
    if (span !== undefined) {
      if (attributes !== undefined) span.setAttributes(attributes);
      if (failed) {
        const { error } = channelContext;
        span.recordException(error instanceof Error ? error : String(error));
        span.setAttribute(ATTR.errorType, type as string);
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
      }
      span.end();
    }
    return { span, seconds, errorType: type };
  }

  /** Whether keys may be recorded. */
  get captureKeys(): boolean {
    return this.config.captureKeys === true;
  }
}
