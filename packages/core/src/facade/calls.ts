import { InvalidArgumentError } from '../errors.js';
import { assertValidKey } from '../keys.js';
import { type CacheCallContext, channelOf } from '../observability/channels.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { CacheObserver, CacheOperation } from '../observer.js';
import { type OperationOptions, withDeadline } from '../signal.js';

/** Operations that only read: an abort or timeout of one of them never leaves a write behind. */
const READ_ONLY: ReadonlySet<CacheOperation> = new Set<CacheOperation>([
  'get',
  'getMany',
  'getBytes',
  'getString',
]);

/** Marks the calls that take no key (`flush`), so that an `undefined` key is never taken for "no key". */
export const NO_KEY: unique symbol = Symbol('no key');

/** Fills a call's context from its result (`hit`, `stale`, `tier`, per-key `hits`/`stales`). */
export type Describe<R> = (result: R, context: CacheCallContext) => void;

/**
 * Runs one facade call: validates its key(s), applies the caller's signal and
 * deadline (one mechanism per call, nothing when neither is given), and — only
 * when someone watches — builds the call's {@link CacheCallContext}, publishes it
 * on the operation's `diagnostics_channel` tracing channel and reports it to the
 * observer. Both consumers see the same context: the observer is the in-process
 * reader of what the channels publish. With neither, the operation's own promise
 * is returned as it is: no extra promise layer.
 */
export class CallRunner {
  readonly #maxKeyLength: number;
  readonly #timeoutMs: number | undefined;
  readonly #observer: CacheObserver | undefined;
  readonly #telemetry: Telemetry;
  readonly #namespace: string | undefined;

  /**
   * @param maxKeyLength - longest key accepted
   * @param timeoutMs - the cache's default deadline
   * @param observer - receives one event per call (per key for batches)
   * @param telemetry - the cache's names (and counters)
   * @param namespace - the namespace path of the view, `undefined` at the root
   */
  constructor(
    maxKeyLength: number,
    timeoutMs: number | undefined,
    observer: CacheObserver | undefined,
    telemetry: Telemetry,
    namespace?: string,
  ) {
    this.#maxKeyLength = maxKeyLength;
    this.#timeoutMs = timeoutMs;
    this.#observer = observer;
    this.#telemetry = telemetry;
    this.#namespace = namespace;
  }

  /** The runner of a namespace view (`path`: `'a/b'`). */
  forNamespace(path: string): CallRunner {
    return new CallRunner(this.#maxKeyLength, this.#timeoutMs, this.#observer, this.#telemetry, path);
  }

  /** Whether anyone watches `op`: its tracing channel has subscribers, or there is an observer. */
  watched(op: CacheOperation): boolean {
    return this.#observer !== undefined || channelOf(op).hasSubscribers;
  }

  /** One call on one key (or {@link NO_KEY}). `describe` fills the context from the result. */
  call<R>(
    op: CacheOperation,
    key: string | typeof NO_KEY,
    options: OperationOptions | undefined,
    operation: (signal: AbortSignal | undefined) => Promise<R>,
    describe?: Describe<R>,
  ): Promise<R> {
    const start = (): Promise<R> => {
      try {
        // Every key-taking call validates its key, whatever its type: `undefined` is not "no key".
        if (key !== NO_KEY) assertValidKey(key, this.#maxKeyLength);
        return withDeadline(op, options, this.#timeoutMs, operation, !READ_ONLY.has(op));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    if (!this.watched(op)) return start();
    const reported = key === NO_KEY || typeof key !== 'string' ? undefined : key;
    return this.#watch(op, this.#context(op, reported, undefined), start, describe);
  }

  /** One call on several keys; the observer receives one event per key. */
  batch<R>(
    op: CacheOperation,
    keys: readonly (string | undefined)[],
    options: OperationOptions | undefined,
    operation: (signal: AbortSignal | undefined) => Promise<R>,
    describe?: Describe<R>,
  ): Promise<R> {
    const start = (): Promise<R> => {
      try {
        if (!Array.isArray(keys)) throw new InvalidArgumentError(`${op} expects an array`);
        for (const key of keys) assertValidKey(key, this.#maxKeyLength);
        return withDeadline(op, options, this.#timeoutMs, operation, !READ_ONLY.has(op));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    if (!this.watched(op)) return start();
    const list = Array.isArray(keys) ? (keys as readonly string[]) : [];
    return this.#watch(op, this.#context(op, undefined, list), start, describe);
  }

  /** Reports a cache-wide event to the observer (no key): the circuit opened or closed, a bus gap or error. */
  event(
    op: CacheOperation,
    fields: { circuit?: 'open' | 'closed'; gap?: 'sequence' | 'connection' | 'clear'; error?: unknown },
  ): void {
    const observer = this.#observer;
    if (observer === undefined) return;
    try {
      observer({ op, key: undefined, durationMs: 0, driver: this.#telemetry.store, ...fields });
    } catch {
      // An observer must never break the cache.
    }
  }

  /** Reports work done off a caller's path (a background refresh, a bypassed store failure) to the observer. */
  report(op: CacheOperation, key: string, started: number, error: unknown): void {
    const observer = this.#observer;
    if (observer === undefined) return;
    this.#notify(observer, op, key, performance.now() - started, undefined, undefined, error);
  }

  #context(
    op: CacheOperation,
    key: string | undefined,
    keys: readonly string[] | undefined,
  ): CacheCallContext {
    const { cache, store } = this.#telemetry;
    return { operation: op, cache, store, namespace: this.#namespace, key, keys };
  }

  #watch<R>(
    op: CacheOperation,
    context: CacheCallContext,
    start: () => Promise<R>,
    describe: Describe<R> | undefined,
  ): Promise<R> {
    const started = performance.now();
    const run = (): Promise<R> =>
      start().then(
        (result) => {
          describe?.(result, context);
          this.#observe(context, started, undefined);
          return result;
        },
        (error: unknown) => {
          this.#observe(context, started, error);
          throw error;
        },
      );
    const channel = channelOf(op);
    return channel.hasSubscribers ? channel.tracePromise(run, context) : run();
  }

  /** The observer's events of a finished call: one, or one per key of a batch. */
  #observe(context: CacheCallContext, started: number, error: unknown): void {
    const observer = this.#observer;
    if (observer === undefined) return;
    const durationMs = performance.now() - started;
    const { keys } = context;
    if (keys === undefined) {
      this.#notify(observer, context.operation, context.key, durationMs, context.hit, context.stale, error);
      return;
    }
    keys.forEach((key, i) => {
      const hit = error === undefined ? context.hits?.[i] : undefined;
      const stale = error === undefined ? context.stales?.[i] : undefined;
      this.#notify(observer, context.operation, key, durationMs, hit, stale, error);
    });
  }

  #notify(
    observer: CacheObserver,
    op: CacheOperation,
    key: string | undefined,
    durationMs: number,
    hit: boolean | undefined,
    stale: boolean | undefined,
    error: unknown,
  ): void {
    try {
      const event = { op, key, hit, error, durationMs, driver: this.#telemetry.store };
      observer(stale === true ? { ...event, stale } : event);
    } catch {
      // An observer must never break the call it observes.
    }
  }
}
