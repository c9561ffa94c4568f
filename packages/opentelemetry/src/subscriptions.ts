import { type BusGapMessage, type BusMessageReceived, CHANNELS } from '@cache/core';
import { diag } from '@opentelemetry/api';
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import type { CallFamily } from './cache-calls.js';
import {
  busHandlers,
  type ChannelHandlers,
  callHandlers,
  countGap,
  factoryHandlers,
  recordLag,
  storeHandlers,
} from './handlers.js';
import type { Recorder, Scope } from './recorder.js';

const CALL_FAMILIES: readonly CallFamily[] = ['get', 'set', 'remember', 'delete', 'lock'];

/**
 * Runs a handler so that its failure never reaches the application: Node rethrows
 * a subscriber's (or a store transform's) exception as an uncaught exception.
 */
function guarded<A, R>(what: string, fn: (arg: A) => R, fallback: (arg: A) => R): (arg: A) => R {
  return (arg) => {
    try {
      return fn(arg);
    } catch (error) {
      diag.error(`@cache/opentelemetry: ${what} failed`, error);
      return fallback(arg);
    }
  };
}

/**
 * Subscribes `handlers` to the tracing channel `name`. With `bind`, the span starts
 * in the `start` channel's bound store (its scope becomes the traced call's);
 * otherwise in a `start` subscriber. The span ends at `asyncEnd`, or at `end` when
 * the traced function threw synchronously (then no `asyncEnd` follows).
 * @returns the unsubscribe function
 */
function subscribeTracing<C extends object>(
  recorder: Recorder,
  name: string,
  handlers: ChannelHandlers<C>,
  bind: boolean,
): () => void {
  const channel = tracingChannel<Scope | undefined, C>(name);
  const { scopes } = recorder;
  const start = guarded(`${name} start`, handlers.start, () => scopes.getStore());
  const settle = guarded(`${name} settle`, handlers.settle, () => undefined);
  const onStart = (message: unknown): void => {
    start(message as C);
  };
  const onEnd = (message: unknown): void => {
    if ('error' in (message as object)) settle(message as C);
  };
  const onAsyncEnd = (message: unknown): void => settle(message as C);
  if (bind) channel.start.bindStore(scopes, start);
  else channel.start.subscribe(onStart);
  channel.end.subscribe(onEnd);
  channel.asyncEnd.subscribe(onAsyncEnd);
  return () => {
    if (bind) channel.start.unbindStore(scopes);
    else channel.start.unsubscribe(onStart);
    channel.end.unsubscribe(onEnd);
    channel.asyncEnd.unsubscribe(onAsyncEnd);
  };
}

/**
 * Subscribes `recorder` to every channel `@cache/core` publishes on.
 * @returns the function that unsubscribes it again
 */
export function subscribeAll(recorder: Recorder): () => void {
  const undo = CALL_FAMILIES.map((family) =>
    subscribeTracing(recorder, CHANNELS[family], callHandlers(recorder, family), true),
  );
  undo.push(subscribeTracing(recorder, CHANNELS.factory, factoryHandlers(recorder), true));
  undo.push(subscribeTracing(recorder, CHANNELS.store, storeHandlers(recorder), false));
  undo.push(subscribeTracing(recorder, CHANNELS.bus, busHandlers(recorder), false));
  const onGap = guarded(
    `${CHANNELS.busGap} count`,
    (message: unknown) => countGap(recorder, message as BusGapMessage),
    () => undefined,
  );
  subscribe(CHANNELS.busGap, onGap);
  undo.push(() => {
    unsubscribe(CHANNELS.busGap, onGap);
  });
  const onMessage = guarded(
    `${CHANNELS.busMessage} lag`,
    (message: unknown) => recordLag(recorder, message as BusMessageReceived),
    () => undefined,
  );
  subscribe(CHANNELS.busMessage, onMessage);
  undo.push(() => {
    unsubscribe(CHANNELS.busMessage, onMessage);
  });
  return () => {
    for (const fn of undo) fn();
  };
}
