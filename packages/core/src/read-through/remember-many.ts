import type { DecodedEntry } from '../entry/entry-codec.js';
import { isFreshAt } from '../entry/lifetime.js';
import { InvalidArgumentError, InvalidValueError } from '../errors.js';
import type { VersionStamp } from '../tags/tag-versions.js';
import { mergeStamps } from '../tags/version-check.js';
import type { Tiers } from '../tiers/tiers.js';
import { type Answer, awaitFlight } from './await-flight.js';
import type { ReadThroughEngine, WriteScope } from './engine.js';
import type { Flight } from './flights.js';
import type { ResolvedReadThrough } from './options.js';

/** What the factory of `rememberMany` receives besides the missing keys. */
export interface ManyFactoryContext {
  /** The keys to compute (the same array as the first argument). */
  readonly keys: readonly string[];
  /** Aborts when every caller waiting for any of these keys has gone away. */
  readonly signal: AbortSignal;
  /**
   * Tags the entry computed for `key` (one of `keys`) with `tags`, besides the
   * call's `tags` option.
   *
   * @throws {@link InvalidArgumentError} for invalid tags or a key not being computed
   */
  addTags(key: string, tags: string | readonly string[]): void;
}

/** What a `rememberMany` factory may return: values in the order of the keys, or a map by key. */
export type ManyFactoryResult<T> = readonly (T | undefined)[] | ReadonlyMap<string, T>;

/**
 * Computes the values of the missing keys in one call. A key left out of a returned
 * map (or `undefined` in the array) is returned as `undefined` and not cached.
 */
export type ManyFactory<T> = (
  missingKeys: readonly string[],
  context: ManyFactoryContext,
) => ManyFactoryResult<T> | Promise<ManyFactoryResult<T>>;

/**
 * Batch read-through: one `getMany` for the keys no flight is computing, **one**
 * factory call for every key still missing, one `setMany` for what it returned.
 * Duplicate keys are read and computed once. A key that another call (a
 * `remember`, another `rememberMany`) is computing already is awaited, not
 * recomputed; and the keys this call computes are registered as flights before the
 * factory runs, so overlapping calls wait for them in turn.
 *
 * Answers are in the order of `keys`. With `grace`, a key whose factory failed is
 * answered with its graced value (`stale`); otherwise the factory's error rejects
 * the call.
 */
export async function rememberMany(
  engine: ReadThroughEngine,
  tiers: Tiers,
  keys: readonly string[],
  ttlMs: number,
  factory: ManyFactory<unknown>,
  options: ResolvedReadThrough,
  signal: AbortSignal | undefined,
  write: WriteScope,
): Promise<Answer[]> {
  const unique = [...new Set(keys)];
  const answers = new Map<string, Promise<Answer>>();
  const toRead = unique.filter((key) => {
    const flight = engine.flights.get(key);
    if (flight !== undefined) answers.set(key, awaitFlight(flight, key, undefined, options, signal));
    return flight === undefined;
  });
  let entries: (DecodedEntry | undefined)[] = toRead.map(() => undefined);
  if (toRead.length > 0) {
    try {
      entries = await tiers.readMany(toRead, signal);
    } catch (error) {
      if (!options.failOpen || signal?.aborted === true) throw error;
      for (const key of toRead) engine.storeErrorOf(key, error);
    }
  }
  const now = Date.now();
  const claimed: string[] = [];
  const staleOf = new Map<string, DecodedEntry>();
  toRead.forEach((key, i) => {
    const entry = entries[i];
    if (entry !== undefined && isFreshAt(entry.softExpiresAt, now)) {
      answers.set(key, Promise.resolve({ value: entry.value, outcome: 'hit', tier: entry.tier ?? 'l2' }));
      return;
    }
    const stale = engine.graced(entry, now, options);
    if (stale !== undefined && engine.throttled(key, now)) {
      answers.set(key, Promise.resolve({ value: stale.value, outcome: 'stale', failSafe: true }));
      return;
    }
    // Someone may have started computing it while we read.
    const flight = engine.flights.get(key);
    if (flight !== undefined) answers.set(key, awaitFlight(flight, key, stale, options, signal));
    else {
      claimed.push(key);
      if (stale !== undefined) staleOf.set(key, stale);
    }
  });
  if (claimed.length > 0) {
    const flights = startBatch(engine, tiers, claimed, ttlMs, factory, options, write);
    claimed.forEach((key, i) => {
      const answer = awaitFlight(flights[i] as Flight<unknown>, key, staleOf.get(key), options, signal).then(
        (a) => {
          engine.settled(write.scope.userKey(key), a, options);
          if (a.failSafe === true) engine.failSafeActivated(key, options);
          return a;
        },
      );
      answers.set(key, answer);
    });
  }
  const byKey = new Map<string, Answer>();
  await Promise.all(
    unique.map(async (key) => {
      byKey.set(key, await (answers.get(key) as Promise<Answer>));
    }),
  );
  return keys.map((key) => byKey.get(key) as Answer);
}

/** Registers one flight per claimed key, all fed by a single factory call and a single batch write. */
function startBatch(
  engine: ReadThroughEngine,
  tiers: Tiers,
  claimed: readonly string[],
  ttlMs: number,
  factory: ManyFactory<unknown>,
  options: ResolvedReadThrough,
  write: WriteScope,
): Flight<unknown>[] {
  const controller = new AbortController();
  let waiting = claimed.length;
  const { scope, names } = write;
  const batch = Promise.resolve().then(async () => {
    const before = names === undefined ? undefined : await tiers.versions.stampsFor(names);
    const userKeys = scope.isRoot ? claimed : claimed.map((key) => scope.userKey(key));
    const computing = new Set(userKeys);
    const added = new Map<string, string[]>();
    const context: ManyFactoryContext = {
      keys: userKeys,
      signal: controller.signal,
      addTags: (key, tags) => {
        if (!computing.has(key)) {
          throw new InvalidArgumentError(
            `addTags: ${JSON.stringify(key)} is not one of the keys being computed`,
          );
        }
        const storeKey = scope.key(key);
        added.set(storeKey, [...(added.get(storeKey) ?? []), ...scope.tagNames(tags)]);
      },
    };
    const result = await engine.runFactory(userKeys.join(','), () => factory(userKeys, context));
    const values = valuesByKey(claimed, userKeys, result);
    const extra = await stampsOf(tiers, added);
    const writes = [...values]
      .filter(([, v]) => v !== undefined)
      .map(([key, value]) => {
        const own = added.get(key);
        const stamps =
          own === undefined
            ? before
            : mergeStamps(
                before,
                own.map((n) => extra.get(n) as VersionStamp),
              );
        return { key, value, stamps };
      });
    for (const w of writes) engine.telemetry.wrote(scope.userKey(w.key));
    if (writes.length > 0) await engine.writeMany(writes, ttlMs, options, controller.signal);
    return values;
  });
  batch.catch(() => undefined);
  return claimed.map((key) =>
    engine.flights.start(key, (signal) => {
      signal.addEventListener('abort', () => {
        if (--waiting === 0) controller.abort(signal.reason);
      });
      return batch.then((values) => values.get(key));
    }),
  );
}

/** The current versions of every tag a factory added, in one read. */
async function stampsOf(
  tiers: Tiers,
  added: ReadonlyMap<string, readonly string[]>,
): Promise<Map<string, VersionStamp>> {
  const names = [...new Set([...added.values()].flat())];
  const stamps = names.length === 0 ? [] : await tiers.versions.stampsFor(names);
  return new Map(stamps.map((s) => [s.name, s]));
}

/** The factory's values by store key (`keys`), read by the caller's keys (`userKeys`, same order). */
function valuesByKey(
  keys: readonly string[],
  userKeys: readonly string[],
  result: ManyFactoryResult<unknown>,
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  if (result instanceof Map) {
    keys.forEach((key, i) => {
      values.set(key, result.get(userKeys[i] as string));
    });
    return values;
  }
  if (!Array.isArray(result) || result.length !== keys.length) {
    throw new InvalidValueError(
      `rememberMany's factory must return an array of ${keys.length} values (one per missing key, in order) or a Map`,
    );
  }
  keys.forEach((key, i) => {
    values.set(key, result[i]);
  });
  return values;
}
