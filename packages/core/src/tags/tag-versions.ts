import { COUNTER_PATTERN, fromUtf8, utf8 } from '../bytes.js';
import { StoreError } from '../errors.js';
import { internalKey } from '../keyspace/internal-keys.js';
import { NO_EXPIRY, type Store, type StoreOperationOptions } from '../store.js';

/** One version an entry recorded at write time: the version name and its value then. */
export interface VersionStamp {
  /** The version name (a tag or a namespace, scoped: see `Scope`). */
  readonly name: string;
  /** The version's value when the entry was written. */
  readonly version: number;
}

/** What the recorded versions say about an entry now. */
export type VersionVerdict =
  /** Every version is unchanged: the entry stands. */
  | 'valid'
  /** Some tag was expired (`expireByTag`) since: stale, usable only as a fail-safe fallback. */
  | 'expired'
  /** Some tag was deleted (`deleteByTag`, `ns.flush()`) since, or its version is gone: a miss. */
  | 'deleted';

/** A by-reference envelope that remembers when its versions were last found current. */
export interface VersionChecked {
  readonly versions?: readonly VersionStamp[] | undefined;
  /** The {@link TagVersions.epoch} of the last successful check. */
  checkedEpoch: number;
  /** Until when (ms since epoch) that check may be trusted. */
  checkedUntil: number;
}

/**
 * `expireByTag` adds this to a version, `deleteByTag` adds {@link DELETE_STEP}: a
 * version is `deletes × 2^24 + expires`, so one counter and one `increment` serve
 * both, and a reader tells them apart by the high part alone.
 */
export const EXPIRE_STEP = 1;
/** What `deleteByTag` (and a namespace flush) adds to a version. */
export const DELETE_STEP = 2 ** 24;

/** Process-wide, so that two instances never hand out the same epoch value. */
let lastEpoch = 0;

interface Known {
  /** The version, or `undefined` when its key is absent. */
  readonly version: number | undefined;
  /** Until when (ms since epoch) it may be used without asking the store again. */
  readonly until: number;
}

/** The store key of version `name`. */
export function versionKey(name: string): string {
  return internalKey('tag', name);
}

/** The version name of an internal version key, or `undefined` for any other key. */
export function versionNameOf(key: string): string | undefined {
  return key.startsWith(VERSION_KEY_PREFIX) ? key.slice(VERSION_KEY_PREFIX.length) : undefined;
}
const VERSION_KEY_PREFIX = internalKey('tag', '');

/**
 * The current version of each tag and namespace, kept in the store as counters
 * under the reserved key space (`U+001F tag:<name>`) and cached here.
 *
 * No clocks are compared, ever: an entry records the versions it was written
 * under; it stands while they are unchanged. Bumping is one atomic `increment`
 * per tag, whatever the number of entries carrying it.
 *
 * - A version key is created on first use with a random start (`add`), so a key
 *   that was evicted or flushed never comes back with a value an old entry
 *   recorded: an absent or changed version always reads as "changed".
 * - Cached versions are trusted for `trust()` ms after they were read (the cache
 *   decides: forever while a bus announces every bump, `tagCheckInterval`
 *   otherwise, forever for an in-process store only this process reaches).
 *   Bumps made here update the cache at once.
 * - A fetch overlapping a local bump or a forget does not update the cache (it may
 *   have read the older value), like the L1's fill rule.
 */
export class TagVersions {
  readonly #store: Store;
  readonly #known = new Map<string, Known>();
  #epoch = ++lastEpoch;
  #trust: () => number;

  /**
   * @param store - where versions live (the L2)
   * @param trust - how long a version read from the store may be used, ms (0: not cached)
   */
  constructor(store: Store, trust: () => number) {
    this.#store = store;
    this.#trust = trust;
  }

  /** Replaces the trust rule (the hybrid tier ties it to its bus). */
  trustFor(trust: () => number): void {
    this.#trust = trust;
  }

  /** Moves on whenever a cached version changes or is dropped: checks made before no longer hold. */
  get epoch(): number {
    return this.#epoch;
  }

  /**
   * Whether a by-reference envelope's versions are current, answered from the
   * cache: one comparison while nothing changed since its last check. `false` also
   * when a version must be fetched first (the caller takes the asynchronous path).
   */
  currentNow(value: VersionChecked, now: number): boolean {
    if (value.checkedEpoch === this.#epoch && value.checkedUntil > now) return true;
    const stamps = value.versions;
    if (stamps === undefined) return true;
    let until = Number.POSITIVE_INFINITY;
    for (const stamp of stamps) {
      const known = this.#known.get(stamp.name);
      if (known === undefined || known.until <= now || known.version !== stamp.version) return false;
      if (known.until < until) until = known.until;
    }
    value.checkedEpoch = this.#epoch;
    value.checkedUntil = until;
    return true;
  }

  /** The verdict on `stamps` from the cache alone, or `undefined` when a version must be fetched. */
  verdictNow(stamps: readonly VersionStamp[]): VersionVerdict | undefined {
    const now = Date.now();
    let verdict: VersionVerdict = 'valid';
    for (const stamp of stamps) {
      const known = this.#known.get(stamp.name);
      if (known === undefined || known.until <= now) return undefined;
      const one = compare(stamp.version, known.version);
      if (one === 'deleted') return 'deleted';
      if (one === 'expired') verdict = 'expired';
    }
    return verdict;
  }

  /** The verdict on `stamps`: from the cache, or after one `getMany` of the versions it lacks. */
  verdict(stamps: readonly VersionStamp[]): VersionVerdict | Promise<VersionVerdict> {
    const cached = this.verdictNow(stamps);
    if (cached !== undefined) return cached;
    return this.#fetch(stamps.map((s) => s.name)).then((current) => {
      let verdict: VersionVerdict = 'valid';
      for (const stamp of stamps) {
        const one = compare(stamp.version, current.get(stamp.name));
        if (one === 'deleted') return 'deleted';
        if (one === 'expired') verdict = 'expired';
      }
      return verdict;
    });
  }

  /**
   * The stamps a write of an entry carrying `names` records: the current versions,
   * from the cache when it has them all (synchronously), else after one `getMany`
   * (and an `add` for each version that does not exist yet).
   */
  stampsFor(
    names: readonly string[],
    options?: StoreOperationOptions,
  ): readonly VersionStamp[] | Promise<readonly VersionStamp[]> {
    const stamps: VersionStamp[] = [];
    const now = Date.now();
    for (const name of names) {
      const known = this.#known.get(name);
      if (known === undefined || known.version === undefined || known.until <= now) {
        return this.#stampsFromStore(names, options);
      }
      stamps.push({ name, version: known.version });
    }
    return stamps;
  }

  /**
   * Adds `step` ({@link DELETE_STEP} or {@link EXPIRE_STEP}) to each version: one
   * `increment` per name, all in flight at once. The cache holds the new values
   * when it resolves.
   */
  async bump(names: readonly string[], step: number, options?: StoreOperationOptions): Promise<void> {
    const epoch = ++lastEpoch;
    this.#epoch = epoch;
    // Nothing read before the bump may be cached after it.
    for (const name of names) this.#known.delete(name);
    const versions = await Promise.all(
      names.map((name) => this.#store.increment(versionKey(name), step, NO_EXPIRY, options)),
    );
    this.#epoch = ++lastEpoch;
    const until = this.#until(Date.now());
    names.forEach((name, i) => {
      if (until > 0) this.#known.set(name, { version: versions[i], until });
    });
  }

  /** Drops cached versions (another node bumped them). */
  forget(names: readonly string[]): void {
    this.#epoch = ++lastEpoch;
    for (const name of names) this.#known.delete(name);
  }

  /** Drops every cached version (a bus gap, a flush). */
  forgetAll(): void {
    this.#epoch = ++lastEpoch;
    this.#known.clear();
  }

  #until(now: number): number {
    const trust = this.#trust();
    return trust <= 0 ? 0 : now + trust;
  }

  /** Reads `names` in one `getMany`; caches what it read unless a bump or forget overlapped. */
  async #fetch(
    names: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<Map<string, number | undefined>> {
    const epoch = this.#epoch;
    const startedAt = Date.now();
    const values = await this.#store.getMany(names.map(versionKey), options);
    const until = this.#until(startedAt);
    const current = new Map<string, number | undefined>();
    names.forEach((name, i) => {
      const version = parseVersion(values[i]);
      current.set(name, version);
      if (until > 0 && this.#epoch === epoch) this.#known.set(name, { version, until });
    });
    return current;
  }

  async #stampsFromStore(
    names: readonly string[],
    options: StoreOperationOptions | undefined,
  ): Promise<readonly VersionStamp[]> {
    const current = await this.#fetch(names, options);
    return Promise.all(
      names.map(async (name) => {
        const version = current.get(name) ?? (await this.#create(name, options));
        return { name, version };
      }),
    );
  }

  /** Creates version `name` with a random start (or reads the one a concurrent writer created). */
  async #create(name: string, options: StoreOperationOptions | undefined): Promise<number> {
    const key = versionKey(name);
    for (let attempt = 0; attempt < 3; attempt++) {
      const epoch = this.#epoch;
      const start = randomStart();
      let version: number | undefined;
      if (await this.#store.add(key, utf8(String(start)), NO_EXPIRY, options)) version = start;
      else version = parseVersion(await this.#store.get(key, options));
      if (version === undefined) continue; // removed meanwhile (a flush): create it again
      const until = this.#until(Date.now());
      if (until > 0 && this.#epoch === epoch) this.#known.set(name, { version, until });
      return version;
    }
    throw new StoreError(
      this.#store.name,
      'add',
      new Error(`tag version ${JSON.stringify(name)} could not be created`),
    );
  }
}

/** The versions of stores only this process reaches, one per store (several caches may share it). */
const localVersions = new WeakMap<Store, TagVersions>();

/**
 * The versions a cache over `store` uses: its own for a shared store (trusted for
 * `intervalMs` unless its tier says otherwise), the process's one for an in-process
 * store — nobody else can bump those, so what this process read or wrote stays current.
 *
 * @param io - the cache's view of `store` (counted and traced) for version reads and bumps
 */
export function versionsFor(store: Store, io: Store, intervalMs: number): TagVersions {
  if (store.capabilities.shared) return new TagVersions(io, () => intervalMs);
  let versions = localVersions.get(store);
  if (versions === undefined) {
    versions = new TagVersions(io, () => Number.POSITIVE_INFINITY);
    localVersions.set(store, versions);
  }
  return versions;
}

/**
 * A fresh version's value: a random multiple of {@link DELETE_STEP} in
 * [2^44, 2^52), leaving room for 2^28 bumps below `Number.MAX_SAFE_INTEGER`. Two
 * lifetimes of one version key collide with probability 2^-28 per recreation.
 */
function randomStart(): number {
  return (2 ** 20 + Math.floor(Math.random() * (2 ** 28 - 2 ** 20))) * DELETE_STEP;
}

/** A version as stored (decimal text), or `undefined` when absent or not a version. */
function parseVersion(bytes: Uint8Array | undefined): number | undefined {
  if (bytes === undefined || bytes.byteLength > 17) return undefined;
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    return undefined;
  }
  return COUNTER_PATTERN.test(text) ? Number(text) : undefined;
}

function compare(recorded: number, current: number | undefined): VersionVerdict {
  if (current === recorded) return 'valid';
  if (current === undefined || current < recorded) return 'deleted';
  return Math.floor(current / DELETE_STEP) === Math.floor(recorded / DELETE_STEP) ? 'expired' : 'deleted';
}
