import type {
  BusGapMessage,
  BusMessageReceived,
  BusPublishContext,
  CacheCallContext,
  FactoryTraceContext,
  StoreCallContext,
} from '@cache/core';
import { type Attributes, SpanKind } from '@opentelemetry/api';
import { ATTR, dbSystemName } from './attributes.js';
import {
  type CallFamily,
  callMetricAttributes,
  callOutcomeAttributes,
  callStartAttributes,
  countRequests,
} from './cache-calls.js';
import type { Recorder, Scope } from './recorder.js';

/**
 * What the instrumentation does on each channel's events: start a span (for the
 * cache calls and factory runs, in the `start` channel's bound store, so that the
 * call's scope reaches what runs under it), and end it with metrics once settled.
 */
export interface ChannelHandlers<C> {
  /** Starts the span; the returned scope is what the traced call runs in (bound channels only). */
  readonly start: (context: C) => Scope | undefined;
  /** Ends the span and records metrics. */
  readonly settle: (context: C) => void;
}

/** Handlers of the facade calls of one family (`cache:get`, …). */
export function callHandlers(recorder: Recorder, family: CallFamily): ChannelHandlers<CacheCallContext> {
  return {
    start: (call) =>
      recorder.start(
        call,
        `cache.${call.operation}`,
        SpanKind.INTERNAL,
        callStartAttributes(call, recorder.captureKeys),
      ),
    settle: (call) => {
      const failed = 'error' in call;
      const finished = recorder.finish(call, failed ? undefined : callOutcomeAttributes(family, call));
      if (finished === undefined) return;
      const { metrics } = recorder;
      metrics.operationDuration.record(
        finished.seconds,
        callMetricAttributes(family, call, finished.errorType),
      );
      if (!failed) countRequests(metrics.requests, family, call);
    },
  };
}

/** Handlers of `cache:factory`. */
export function factoryHandlers(recorder: Recorder): ChannelHandlers<FactoryTraceContext> {
  return {
    start: (run) => {
      const attributes: Attributes = { [ATTR.cacheName]: run.cache };
      if (recorder.captureKeys) attributes[ATTR.cacheKey] = run.key;
      return recorder.start(run, 'cache.factory', SpanKind.INTERNAL, attributes);
    },
    settle: (run) => {
      const finished = recorder.finish(run);
      if (finished === undefined) return;
      recorder.metrics.factoryDuration.record(
        finished.seconds,
        withError({ [ATTR.cacheName]: run.cache }, finished.errorType),
      );
    },
  };
}

/** Handlers of `cache:store`: database client spans, per the OpenTelemetry database conventions. */
export function storeHandlers(recorder: Recorder): ChannelHandlers<StoreCallContext> {
  const common = (call: StoreCallContext): Attributes => ({
    [ATTR.dbSystemName]: dbSystemName(call.store),
    [ATTR.dbOperationName]: call.operation,
    [ATTR.cacheName]: call.cache,
  });
  return {
    start: (call) => {
      const attributes = common(call);
      // The conventions call an operation a batch from two items on.
      if (call.batchSize !== undefined && call.batchSize >= 2) {
        attributes[ATTR.dbOperationBatchSize] = call.batchSize;
      }
      if (recorder.captureKeys && call.key !== undefined) attributes[ATTR.cacheKey] = call.key;
      const name = `${call.operation} ${dbSystemName(call.store)}`;
      return recorder.start(call, name, SpanKind.CLIENT, attributes);
    },
    settle: (call) => {
      const finished = recorder.finish(call);
      if (finished === undefined) return;
      recorder.metrics.storeDuration.record(finished.seconds, withError(common(call), finished.errorType));
    },
  };
}

/** Handlers of `cache:bus`: producer spans of coherence messages. */
export function busHandlers(recorder: Recorder): ChannelHandlers<BusPublishContext> {
  const common = (publish: BusPublishContext): Attributes => ({
    [ATTR.cacheName]: publish.cache,
    [ATTR.messagingSystem]: publish.bus,
    [ATTR.busKind]: publish.kind,
  });
  return {
    start: (publish) =>
      recorder.start(publish, 'cache.bus.publish', SpanKind.PRODUCER, {
        ...common(publish),
        [ATTR.messagingOperationType]: 'send',
        [ATTR.messagingOperationName]: 'publish',
        [ATTR.busKeyCount]: publish.keyCount,
      }),
    settle: (publish) => {
      const finished = recorder.finish(publish);
      if (finished === undefined) return;
      recorder.metrics.busPublished.add(1, withError(common(publish), finished.errorType));
    },
  };
}

/** Counts a `cache:bus:gap` message. */
export function countGap(recorder: Recorder, gap: BusGapMessage): void {
  recorder.metrics.busGaps.add(1, { [ATTR.cacheName]: gap.cache, [ATTR.busGapReason]: gap.reason });
}

/** Records a received bus message's propagation lag (when the sender stamped it). */
export function recordLag(recorder: Recorder, message: BusMessageReceived): void {
  if (message.lagMs === undefined) return;
  recorder.metrics.busLag.record(Math.max(0, message.lagMs) / 1000, {
    [ATTR.cacheName]: message.cache,
    [ATTR.busKind]: message.kind,
  });
}

function withError(attributes: Attributes, errorType: string | undefined): Attributes {
  if (errorType !== undefined) attributes[ATTR.errorType] = errorType;
  return attributes;
}
