import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

/** Longest tag (and namespace name), in UTF-16 code units. */
export const MAX_TAG_LENGTH = 256;
/** Most tags one entry may carry (namespaces included). */
export const MAX_TAGS_PER_ENTRY = 64;
/** Longest version name recorded as is in an envelope (UTF-8 bytes); longer ones are hashed. */
const MAX_RECORDED_NAME_BYTES = 200;
/** Store keys remembered per namespace, and child namespaces per scope, before starting over. */
const MEMO_LIMIT = 4_096;

/**
 * Where a {@link Cache} view lives in the key space: the root (`''`), or a
 * namespace, nested to any depth.
 *
 * - A key `k` of namespace `a` is stored as `U+001F "ns:" a U+001F k`; namespace `b`
 *   inside `a` adds its own segment. User keys and tags may not start with U+001F,
 *   so the segments are unambiguous and no root key can reach a namespaced one.
 * - Every namespace has a **version name** (its key prefix); every entry written in
 *   it records the current versions of its namespace and of each ancestor, so
 *   bumping one version (`ns.flush()`) invalidates the namespace and everything
 *   nested in it, in O(1).
 * - Tags are scoped to the view: tag `t` of namespace `a` has the version name
 *   `prefix + t`, so `a.deleteByTag('t')` leaves root entries tagged `t` alone.
 */
export class Scope {
  /** The root of the key space. */
  static readonly root = new Scope('', [], undefined);
  /**
   * Store keys by view key: `prefix + key` is a fresh (unflattened) string each time,
   * which a map lookup must flatten and hash again — 10× the cost of the lookup
   * itself. Remembered, a namespaced hit costs about what a root hit does.
   */
  readonly #keys = new Map<string, string>();
  readonly #children = new Map<string, Scope>();

  /**
   * @param prefix - prepended to every key of this view (`''` at the root)
   * @param namespaces - version names of this namespace and its ancestors, outermost first
   * @param path - the namespace names joined with `/` (`'a/b'`), `undefined` at the root
   */
  private constructor(
    readonly prefix: string,
    readonly namespaces: readonly string[],
    readonly path: string | undefined,
  ) {}

  /** The nested namespace `name`. @throws {@link InvalidArgumentError} for an invalid name */
  child(name: unknown): Scope {
    const known = typeof name === 'string' ? this.#children.get(name) : undefined;
    if (known !== undefined) return known;
    assertTag(name, 'namespace name');
    const prefix = `${this.prefix}\u001fns:${name}\u001f`;
    const path = this.path === undefined ? name : `${this.path}/${name}`;
    const child = new Scope(prefix, [...this.namespaces, versionName(prefix)], path);
    remember(this.#children, name, child);
    return child;
  }

  /** Whether this is the root (no prefix, nothing recorded for untagged entries). */
  get isRoot(): boolean {
    return this.prefix === '';
  }

  /** The store key of the view's `key`. */
  key(key: string): string {
    if (this.prefix === '') return key;
    let storeKey = this.#keys.get(key);
    if (storeKey === undefined) {
      storeKey = this.prefix + key;
      remember(this.#keys, key, storeKey);
    }
    return storeKey;
  }

  /** The view's key of a store key of this view. */
  userKey(storeKey: string): string {
    return this.prefix === '' ? storeKey : storeKey.slice(this.prefix.length);
  }

  /**
   * The version names an entry written in this view with `tags` records: the
   * namespaces', then the tags' (deduplicated); `undefined` when there are none
   * (a root entry without tags: nothing recorded, nothing checked on read).
   *
   * @throws {@link InvalidArgumentError} for tags that are not an array of valid tags
   */
  names(tags: unknown): readonly string[] | undefined {
    if (tags === undefined) return this.namespaces.length === 0 ? undefined : this.namespaces;
    const tagged = this.tagNames(tags);
    if (this.namespaces.length === 0) return tagged.length === 0 ? undefined : tagged;
    const names = [...new Set([...this.namespaces, ...tagged])];
    if (names.length > MAX_TAGS_PER_ENTRY) throw tooManyTags(names.length);
    return names;
  }

  /**
   * The version names of `tags` in this view (for `deleteByTag`): one tag or an
   * array of them.
   *
   * @throws {@link InvalidArgumentError} for invalid tags
   */
  tagNames(tags: unknown): readonly string[] {
    const list = typeof tags === 'string' ? [tags] : tags;
    if (!Array.isArray(list)) {
      throw new InvalidArgumentError(`tags must be a string or an array of strings, got ${typeof tags}`);
    }
    if (list.length > MAX_TAGS_PER_ENTRY) throw tooManyTags(list.length);
    const names = new Set<string>();
    for (const tag of list) {
      assertTag(tag, 'tag');
      names.add(versionName(this.prefix + tag));
    }
    return [...names];
  }
}

/** Adds to a bounded memo (cleared when full: the working set refills it). */
function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}

/** Throws {@link InvalidArgumentError} unless `tag` is a valid tag or namespace name. */
function assertTag(tag: unknown, what: string): asserts tag is string {
  if (typeof tag !== 'string' || tag.length === 0) {
    throw new InvalidArgumentError(
      `${what} must be a non-empty string, got ${JSON.stringify(tag) ?? typeof tag}`,
    );
  }
  if (tag.length > MAX_TAG_LENGTH) {
    throw new InvalidArgumentError(
      `${what} is ${tag.length} characters long, over the limit of ${MAX_TAG_LENGTH}`,
    );
  }
  if (tag.includes('\u001f')) throw new InvalidArgumentError(`${what} must not contain U+001F`);
  if (!tag.isWellFormed()) throw new InvalidArgumentError(`${what} contains a lone UTF-16 surrogate`);
}

function tooManyTags(count: number): InvalidArgumentError {
  return new InvalidArgumentError(
    `an entry carries at most ${MAX_TAGS_PER_ENTRY} tags (namespaces included), got ${count}`,
  );
}

/**
 * The name under which a version is kept and recorded: `name` itself, or — when
 * it is too long to record in an envelope field (deep namespaces, long tags) — a
 * digest of it. Deterministic, so every process agrees.
 */
function versionName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_RECORDED_NAME_BYTES) return name;
  return `\u001fh:${createHash('sha256').update(name, 'utf8').digest('base64url')}`;
}
