import type { Duration, Ttl } from '../duration.js';
import { toPositiveMilliseconds } from '../duration.js';
import type { CacheOperation } from '../observer.js';
import type { Answer } from '../read-through/await-flight.js';
import type { Factory, ReadThroughEngine, WriteScope } from '../read-through/engine.js';
import {
  hasReadThroughFields,
  type RememberOptions,
  type ResolvedReadThrough,
  resolveReadThrough,
} from '../read-through/options.js';
import { type ManyFactory, rememberMany } from '../read-through/remember-many.js';
import { Scope } from '../tags/scope.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { Tiers } from '../tiers/tiers.js';
import { assertFactory } from './arguments.js';
import type { CallRunner } from './calls.js';
import type { StaleResult } from './options.js';

/**
 * The facade side of the read-through entry points: argument checks, option
 * resolution (call over cache defaults) and observer outcomes around the one
 * engine. `remember`, `rememberStale` and `refreshAhead` differ only in the
 * options they hand the engine.
 */
export class ReadThroughCalls {
  readonly #calls: CallRunner;
  readonly #engine: ReadThroughEngine;
  readonly #tiers: Tiers;
  readonly #defaults: ResolvedReadThrough;
  readonly #ttl: (ttl: Ttl | undefined) => number;
  readonly #telemetry: Telemetry;

  /**
   * @param calls - validation, deadline and observer
   * @param engine - the read-through engine
   * @param tiers - where entries live
   * @param defaults - the cache's resolved read-through defaults
   * @param ttl - resolves a call's TTL against the cache default
   * @param telemetry - counters and event listeners
   */
  constructor(
    calls: CallRunner,
    engine: ReadThroughEngine,
    tiers: Tiers,
    defaults: ResolvedReadThrough,
    ttl: (ttl: Ttl | undefined) => number,
    telemetry: Telemetry,
  ) {
    this.#telemetry = telemetry;
    this.#calls = calls;
    this.#engine = engine;
    this.#tiers = tiers;
    this.#defaults = defaults;
    this.#ttl = ttl;
  }

  /** `remember` (and, with `window`, `refreshAhead`: eager refresh from the window). */
  remember(
    op: CacheOperation,
    key: string,
    ttl: Ttl | undefined,
    factory: Factory<unknown>,
    options: RememberOptions | undefined,
    window: Duration | undefined,
    scope: Scope,
  ): Promise<unknown> {
    let outcome: Answer['outcome'] | undefined;
    let tier: Answer['tier'];
    return this.#calls.call(
      op,
      key,
      options,
      (signal) => {
        assertFactory(factory);
        const write = writeScope(scope, options);
        const ttlMs = this.#ttl(ttl);
        let resolved = this.resolve(options);
        if (window !== undefined) {
          const windowMs = toPositiveMilliseconds(window, 'window');
          // Refresh once within `window` of going stale: the eager fraction that window leaves.
          const eagerRefresh = ttlMs === 0 ? 0 : Math.min(1 - 1e-9, Math.max(1e-9, 1 - windowMs / ttlMs));
          resolved = { ...resolved, eagerRefresh };
        }
        return this.#engine
          .remember(scope.key(key), ttlMs, factory, resolved, window !== undefined, signal, write)
          .then((answer) => {
            outcome = answer.outcome;
            tier = answer.tier;
            this.#telemetry.answered(key, answer.outcome, answer.tier);
            return answer.value;
          });
      },
      (_, context) => {
        context.hit = outcome === 'hit';
        context.stale = outcome === 'stale';
        context.tier = tier;
      },
    );
  }

  /** `rememberStale`: `remember` with `grace: staleTtl` and, unless asked, no backoff. */
  stale<T>(
    key: string,
    ttl: Ttl | undefined,
    staleTtl: Duration,
    factory: Factory<T>,
    options: RememberOptions | undefined,
    scope: Scope,
  ): Promise<StaleResult<T>> {
    let outcome: Answer['outcome'] | undefined;
    return this.#calls.call(
      'rememberStale',
      key,
      options,
      (signal) => {
        assertFactory(factory);
        const write = writeScope(scope, options);
        const graceMs = toPositiveMilliseconds(staleTtl, 'staleTtl');
        const resolved = resolveReadThrough(options, { ...this.#defaults, graceMs, graceBackoffMs: 0 });
        const storeKey = scope.key(key);
        const run = factory as Factory<unknown>;
        return this.#engine
          .remember(storeKey, this.#ttl(ttl), run, { ...resolved, graceMs }, true, signal, write)
          .then((answer) => {
            outcome = answer.outcome;
            this.#telemetry.answered(key, answer.outcome, answer.tier);
            return { value: answer.value as T, stale: answer.outcome === 'stale' };
          });
      },
      (result, context) => {
        context.hit = outcome === 'hit';
        context.stale = result.stale;
      },
    );
  }

  /** `rememberMany`: one read, one factory call, one write for the missing keys. */
  many<T>(
    keys: readonly string[],
    ttl: Ttl | undefined,
    factory: ManyFactory<T>,
    options: RememberOptions | undefined,
    scope: Scope,
  ): Promise<(T | undefined)[]> {
    let answers: Answer[] = [];
    return this.#calls.batch(
      'rememberMany',
      keys,
      options,
      async (signal) => {
        assertFactory(factory);
        const ttlMs = this.#ttl(ttl);
        const resolved = this.resolve(options);
        const many = factory as ManyFactory<unknown>;
        const write = writeScope(scope, options);
        const storeKeys = scope.isRoot ? keys : keys.map((key) => scope.key(key));
        answers = await rememberMany(
          this.#engine,
          this.#tiers,
          storeKeys,
          ttlMs,
          many,
          resolved,
          signal,
          write,
        );
        answers.forEach((answer, i) => {
          this.#telemetry.answered(keys[i] as string, answer.outcome, answer.tier);
        });
        return answers.map((a) => a.value as T | undefined);
      },
      (_, context) => {
        context.hits = answers.map((a) => a.outcome === 'hit');
        context.stales = answers.map((a) => a.outcome === 'stale');
      },
    );
  }

  /** The same entry points running through `calls` (a namespace view's runner). */
  forCalls(calls: CallRunner): ReadThroughCalls {
    return new ReadThroughCalls(calls, this.#engine, this.#tiers, this.#defaults, this.#ttl, this.#telemetry);
  }

  /** A call's read-through options over the cache defaults (the defaults themselves when it sets none). */
  resolve(options: RememberOptions | undefined): ResolvedReadThrough {
    return hasReadThroughFields(options) ? resolveReadThrough(options, this.#defaults) : this.#defaults;
  }
}

const ROOT_UNTAGGED: WriteScope = { scope: Scope.root, names: undefined };

/** What a read-through call's writes record: its namespace and its `tags` option. */
function writeScope(scope: Scope, options: RememberOptions | undefined): WriteScope {
  const tags = options?.tags;
  if (tags === undefined && scope.isRoot) return ROOT_UNTAGGED;
  return { scope, names: scope.names(tags) };
}
