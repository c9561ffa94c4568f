import { EventEmitter } from 'node:events';
import { InvalidArgumentError } from '../errors.js';

/** The payload of each event {@link Cache.on} delivers. Keys are the caller's (without any namespace). */
export interface CacheEventMap {
  /** A fresh value was served, by `tier`. */
  hit: { readonly key: string; readonly tier: 'l1' | 'l2' };
  /** No value was served (the factory ran, or the read returned `undefined`). */
  miss: { readonly key: string };
  /** A stale value was served (fail-safe, or a soft timeout). */
  stale: { readonly key: string };
  /** An entry was written. */
  set: { readonly key: string };
  /** A key was deleted. */
  delete: { readonly key: string };
  /** A factory threw or rejected. */
  'factory:error': { readonly key: string; readonly error: unknown };
  /** A wait for a factory was cut short by `softTimeout` or `hardTimeout` (`ms`). */
  'factory:timeout': { readonly key: string; readonly timeout: 'soft' | 'hard'; readonly ms: number };
  /** A stale value was served because the factory failed or hit `hardTimeout`. */
  failsafe: { readonly key: string };
  /** The L2 circuit breaker opened (`error`: the store error that opened it). */
  'circuit:open': { readonly error: unknown };
  /** The L2 circuit breaker closed again. */
  'circuit:close': Record<string, never>;
  /** The bus lost messages or its connection, or another node flushed: the L1 was dropped. */
  'bus:gap': { readonly reason: 'sequence' | 'connection' | 'clear' };
  /** A bus publish failed (it is retried) or the subscription failed. */
  'bus:error': { readonly error: unknown };
}

/** The events {@link Cache.on} accepts. */
export type CacheEventName = keyof CacheEventMap;

/** A listener of event `E`. */
export type CacheEventListener<E extends CacheEventName> = (payload: CacheEventMap[E]) => void;

const NAMES: readonly CacheEventName[] = [
  'hit',
  'miss',
  'stale',
  'set',
  'delete',
  'factory:error',
  'factory:timeout',
  'failsafe',
  'circuit:open',
  'circuit:close',
  'bus:gap',
  'bus:error',
];

/**
 * The events of one cache (shared with its namespace views), with Node's
 * `EventEmitter` conventions. `listening[event]` is a plain boolean kept up to date
 * by `on`/`off`, so code paths test it before building a payload: no listener, no
 * cost. A listener that throws never breaks the call that emitted the event.
 */
export class CacheEventHub {
  readonly #emitter = new EventEmitter();
  /** Whether `event` has at least one listener. */
  readonly listening: Record<CacheEventName, boolean> = Object.fromEntries(
    NAMES.map((name) => [name, false]),
  ) as Record<CacheEventName, boolean>;

  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    this.#emitter.on(checked(event, listener), listener as (payload: unknown) => void);
    this.listening[event] = true;
  }

  once<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    this.#emitter.once(checked(event, listener), listener as (payload: unknown) => void);
    this.listening[event] = true;
    // `once` removes the listener itself: re-read the count after each emit (see emit).
  }

  off<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): void {
    this.#emitter.off(checked(event, listener), listener as (payload: unknown) => void);
    this.listening[event] = this.#emitter.listenerCount(event) > 0;
  }

  /** Delivers `payload` to the listeners of `event` (callers test `listening[event]` first). */
  emit<E extends CacheEventName>(event: E, payload: CacheEventMap[E]): void {
    for (const listener of this.#emitter.rawListeners(event)) {
      try {
        (listener as (payload: unknown) => void).call(this.#emitter, payload);
      } catch {
        // A listener must never break the cache call that emitted the event.
      }
    }
    this.listening[event] = this.#emitter.listenerCount(event) > 0;
  }
}

function checked(event: unknown, listener: unknown): CacheEventName {
  if (!NAMES.includes(event as CacheEventName)) {
    throw new InvalidArgumentError(
      `unknown cache event ${JSON.stringify(event)} (one of ${NAMES.join(', ')})`,
    );
  }
  if (typeof listener !== 'function') throw new InvalidArgumentError('an event listener must be a function');
  return event as CacheEventName;
}
