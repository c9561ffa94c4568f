import { fromUtf8, utf8 } from '../bytes.js';
import type { Ttl } from '../duration.js';
import { type EntryLifetime, isFreshAt, plainLifetime, withVersions } from '../entry/lifetime.js';
import { CorruptPayloadError, InvalidValueError } from '../errors.js';
import type { Telemetry } from '../observability/telemetry.js';
import type { OperationOptions } from '../signal.js';
import type { Scope } from '../tags/scope.js';
import { stamped } from '../tags/stamping.js';
import { DELETE_STEP, type VersionStamp } from '../tags/tag-versions.js';
import { freshValue, RESOLVED_VOID, storeOptions, type Tiers } from '../tiers/tiers.js';
import { assertSafeInteger, assertStorable } from './arguments.js';
import { type CallRunner, NO_KEY } from './calls.js';
import type { CacheEntry, SetOptions } from './options.js';

/** The tier that answered a read, as trace contexts report it. */
type Tier = 'l1' | 'l2' | undefined;

/**
 * The slow paths of the facade's value methods (the synchronous fast paths stay in
 * `Cache`): one view's key space (`scope`), the entry's tags and namespace versions
 * recorded on write, reads and writes counted in the telemetry, each call run by
 * the view's {@link CallRunner} (validation, deadline, tracing, observer).
 */
export class ValueCalls {
  readonly #calls: CallRunner;
  readonly #tiers: Tiers;
  readonly #scope: Scope;
  readonly #telemetry: Telemetry;
  readonly #ttl: (ttl: Ttl | undefined) => number;

  /**
   * @param calls - the view's call runner
   * @param tiers - where entries live
   * @param scope - the view's key space
   * @param telemetry - counters and event listeners
   * @param ttl - resolves a call's TTL against the cache default
   */
  constructor(
    calls: CallRunner,
    tiers: Tiers,
    scope: Scope,
    telemetry: Telemetry,
    ttl: (ttl: Ttl | undefined) => number,
  ) {
    this.#calls = calls;
    this.#tiers = tiers;
    this.#scope = scope;
    this.#telemetry = telemetry;
    this.#ttl = ttl;
  }

  get(key: string, options: OperationOptions | undefined): Promise<unknown> {
    let tier: Tier;
    return this.#calls.call(
      'get',
      key,
      options,
      (signal) =>
        this.#readFresh('get', key, signal, (t) => {
          tier = t;
        }),
      (value, context) => {
        context.hit = value !== undefined;
        context.tier = tier;
      },
    );
  }

  set(key: string, value: unknown, ttl: Ttl | undefined, options: SetOptions | undefined): Promise<void> {
    return this.#calls.call('set', key, options, (signal) => {
      assertStorable(value);
      this.#telemetry.wrote(key);
      const storeKey = this.#scope.key(key);
      return this.#stamped(options?.tags, plainLifetime(this.#ttl(ttl)), signal, (lifetime) =>
        this.#tiers.write(storeKey, value, lifetime, signal),
      );
    });
  }

  getMany(keys: readonly string[], options: OperationOptions | undefined): Promise<unknown[]> {
    return this.#calls.batch(
      'getMany',
      keys,
      options,
      async (signal) => {
        const entries = await this.#tiers.readMany(this.#storeKeys(keys), signal);
        const now = Date.now();
        return entries.map((e, i) => {
          const fresh = e !== undefined && isFreshAt(e.softExpiresAt, now);
          if (fresh) this.#telemetry.hit(keys[i] as string, e.tier ?? 'l2');
          else this.#telemetry.miss(keys[i] as string);
          return fresh ? e.value : undefined;
        });
      },
      (result, context) => {
        context.hits = result.map((v) => v !== undefined);
      },
    );
  }

  setMany(entries: readonly CacheEntry<unknown>[], options: OperationOptions | undefined): Promise<void> {
    const keys = Array.isArray(entries)
      ? entries.map((entry) => entry?.key)
      : (entries as unknown as string[]);
    return this.#calls.batch('setMany', keys, options, async (signal) => {
      const scope = this.#scope;
      for (const entry of entries) assertStorable(entry.value);
      for (const entry of entries) this.#telemetry.wrote(entry.key);
      const writes = entries.map((entry) => ({
        key: scope.key(entry.key),
        value: entry.value,
        lifetime: plainLifetime(this.#ttl(entry.ttl)),
        names: scope.names(entry.tags),
      }));
      const names = [...new Set(writes.flatMap((w) => w.names ?? []))];
      if (names.length === 0) return this.#tiers.writeMany(writes, signal);
      // One read of every version the batch needs, whatever the number of entries.
      const byName = new Map<string, VersionStamp>();
      for (const stamp of await this.#tiers.versions.stampsFor(names, storeOptions(signal)))
        byName.set(stamp.name, stamp);
      const versioned = writes.map((w) => ({
        key: w.key,
        value: w.value,
        lifetime: withVersions(
          w.lifetime,
          w.names?.map((name) => byName.get(name) as VersionStamp),
        ),
      }));
      return this.#tiers.writeMany(versioned, signal);
    });
  }

  add(key: string, value: unknown, ttl: Ttl | undefined, options: SetOptions | undefined): Promise<boolean> {
    return this.#calls.call('add', key, options, (signal) => {
      assertStorable(value);
      const storeKey = this.#scope.key(key);
      return this.#stamped(options?.tags, plainLifetime(this.#ttl(ttl)), signal, async (lifetime) => {
        const added = await this.#tiers.add(storeKey, value, lifetime, signal);
        if (added) this.#telemetry.wrote(key);
        return added;
      });
    });
  }

  pull(key: string, options: OperationOptions | undefined): Promise<unknown> {
    let tier: Tier;
    return this.#calls.call(
      'pull',
      key,
      options,
      async (signal) => {
        const value = await this.#readFresh('pull', key, signal, (t) => {
          tier = t;
        });
        this.#telemetry.deleted(key);
        await this.#tiers.delete(this.#scope.key(key), signal);
        return value;
      },
      (value, context) => {
        context.hit = value !== undefined;
        context.tier = tier;
      },
    );
  }

  delete(key: string, options: OperationOptions | undefined): Promise<void> {
    return this.#calls.call('delete', key, options, (signal) => {
      this.#telemetry.deleted(key);
      return this.#tiers.delete(this.#scope.key(key), signal);
    });
  }

  deleteMany(keys: readonly string[], options: OperationOptions | undefined): Promise<void> {
    return this.#calls.batch('deleteMany', keys, options, (signal) => {
      for (const key of keys) this.#telemetry.deleted(key);
      return this.#tiers.deleteMany(this.#storeKeys(keys), signal);
    });
  }

  /** The root's flush removes the store's prefix; a namespace's bumps its version. */
  flush(options: OperationOptions | undefined): Promise<void> {
    return this.#calls.call('flush', NO_KEY, options, (signal) => {
      const own = this.#scope.namespaces.at(-1);
      return own === undefined
        ? this.#tiers.flush(signal)
        : this.#tiers.bumpVersions([own], DELETE_STEP, signal);
    });
  }

  /** `deleteByTag` (`step` = DELETE_STEP) and `expireByTag` (EXPIRE_STEP). */
  bumpTags(
    op: 'deleteByTag' | 'expireByTag',
    tags: string | readonly string[],
    step: number,
    options: OperationOptions | undefined,
  ): Promise<void> {
    return this.#calls.call(op, NO_KEY, options, (signal) => {
      const names = this.#scope.tagNames(tags);
      return names.length === 0 ? RESOLVED_VOID : this.#tiers.bumpVersions(names, step, signal);
    });
  }

  increment(
    op: 'increment' | 'decrement',
    key: string,
    delta: number,
    ttl: Ttl | undefined,
    options: OperationOptions | undefined,
  ): Promise<number> {
    return this.#calls.call(op, key, options, (signal) => {
      assertSafeInteger(delta);
      this.#telemetry.wrote(key);
      const signed = op === 'increment' ? delta : -delta;
      return this.#tiers.increment(this.#scope.key(key), signed, this.#ttl(ttl), signal);
    });
  }

  getBytes(key: string, options: OperationOptions | undefined): Promise<Uint8Array | undefined> {
    return this.#calls.call(
      'getBytes',
      key,
      options,
      (signal) => this.#readRaw(key, signal),
      (value, context) => {
        context.hit = value !== undefined;
        context.tier = value === undefined ? undefined : 'l2';
      },
    );
  }

  getString(key: string, options: OperationOptions | undefined): Promise<string | undefined> {
    return this.#calls.call(
      'getString',
      key,
      options,
      async (signal) => {
        const bytes = await this.#readRaw(key, signal);
        if (bytes === undefined) return undefined;
        try {
          return fromUtf8(bytes);
        } catch (error) {
          throw new CorruptPayloadError('stored bytes are not valid UTF-8', { cause: error });
        }
      },
      (value, context) => {
        context.hit = value !== undefined;
        context.tier = value === undefined ? undefined : 'l2';
      },
    );
  }

  /** `setBytes` (a `Uint8Array`) and `setString` (a string, stored as its UTF-8). */
  setRaw(
    op: 'setBytes' | 'setString',
    key: string,
    value: unknown,
    ttl: Ttl | undefined,
    options: SetOptions | undefined,
  ): Promise<void> {
    return this.#calls.call(op, key, options, (signal) => {
      let bytes: Uint8Array;
      if (op === 'setBytes') {
        if (!(value instanceof Uint8Array)) throw new InvalidValueError('value must be a Uint8Array');
        bytes = value;
      } else {
        if (typeof value !== 'string') throw new InvalidValueError('value must be a string');
        bytes = utf8(value);
      }
      const storeKey = this.#scope.key(key);
      this.#telemetry.wrote(key);
      return this.#stamped(options?.tags, plainLifetime(this.#ttl(ttl)), signal, (lifetime) =>
        this.#tiers.writeRaw(storeKey, bytes, lifetime, signal),
      );
    });
  }

  /** The store keys of this view's `keys`. */
  #storeKeys(keys: readonly string[]): readonly string[] {
    const scope = this.#scope;
    return scope.isRoot ? keys : keys.map((key) => scope.key(key));
  }

  /** `write` with `lifetime` recording this view's namespaces and `tags` (nothing for a root entry without tags). */
  #stamped<R>(
    tags: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
    write: (lifetime: EntryLifetime) => Promise<R>,
  ): Promise<R> {
    return stamped(this.#tiers.versions, this.#scope.names(tags), lifetime, signal, write);
  }

  /**
   * `get`'s and `pull`'s read of the fresh value at `key`. The tier counts it; only
   * when someone listens or traces is the entry read instead, to tell them which
   * tier answered (`onTier`).
   */
  #readFresh(
    op: 'get' | 'pull',
    key: string,
    signal: AbortSignal | undefined,
    onTier: (tier: Tier) => void,
  ): Promise<unknown> {
    const storeKey = this.#scope.key(key);
    const telemetry = this.#telemetry;
    if (!telemetry.readsListened && !this.#calls.watched(op)) return this.#tiers.readFresh(storeKey, signal);
    return this.#tiers.read(storeKey, signal).then((entry) => {
      const value = entry === undefined ? undefined : freshValue(entry);
      const tier = entry?.tier ?? 'l2';
      if (value === undefined) telemetry.miss(key);
      else telemetry.hit(key, tier);
      onTier(value === undefined ? undefined : tier);
      return value;
    });
  }

  /** Raw bytes at `key` (counted by the tier; listeners told). */
  #readRaw(key: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    const read = this.#tiers.readRaw(this.#scope.key(key), signal);
    const telemetry = this.#telemetry;
    if (!telemetry.readsListened) return read;
    return read.then((value) => {
      telemetry.reported(key, value !== undefined, 'l2');
      return value;
    });
  }
}
