import { escapeGlob } from './glob.js';

/**
 * How a store's prefix and a caller's key become one Redis key.
 *
 * Layout: `<encoded prefix>:<key>`, or `{<encoded prefix>}:<key>` with `hashTag`.
 * The encoded prefix never contains `:`, so the **first** `:` of a Redis key ends
 * the prefix and a (prefix, key) pair maps to exactly one Redis key and back:
 * prefix `a` with key `b:k` is `a:b:k`, prefix `a:b` with key `k` is `a%3Ab:k`.
 * Without that, `a` would read `a:b`'s entries and `a`'s flush (`SCAN MATCH a:*`)
 * would delete them.
 *
 * Encoded (as `%XX`, upper-case hex of the character):
 * - `%` itself, so the encoding is reversible and `a%3Ab` stays distinct from `a:b`;
 * - `:`, the separator;
 * - `* ? [ ] \`, the characters Redis' `SCAN MATCH` glob gives meaning to, so the
 *   flush pattern is the prefix itself (it is still glob-escaped, as a safeguard);
 * - `{ }`, so a prefix never forms an accidental Cluster hash tag (which would pin
 *   every key of the prefix to one slot without anyone asking for it).
 *
 * Every other character is kept, so a prefix without these characters keeps the
 * key names of earlier versions (`<prefix>:<key>`).
 */

const ENCODED = /[%:*?[\]\\{}]/g;

/** `prefix` with `% : * ? [ ] \ { }` percent-encoded: it then contains no `:`, no glob and no brace character. */
export function encodePrefix(prefix: string): string {
  return prefix.replace(
    ENCODED,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** What every Redis key of the store starts with (`<encoded>:` or `{<encoded>}:`). */
export function keyNamespace(prefix: string, hashTag: boolean): string {
  const encoded = encodePrefix(prefix);
  return hashTag ? `{${encoded}}:` : `${encoded}:`;
}

/**
 * The `SCAN MATCH` pattern of exactly the keys that start with `namespace`
 * (glob-escaped: the encoded prefix has no glob character, but a hash-tag brace or a
 * future layout change must never turn into a wildcard).
 */
export function namespacePattern(namespace: string): string {
  return `${escapeGlob(namespace)}*`;
}
