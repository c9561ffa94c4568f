import { createHash } from 'node:crypto';
import { assertStoreKey } from '@cache/core';

/**
 * Primary keys of cache items.
 *
 * Schema: partition key `pk` (S) = the store's prefix, sort key `sk` (S) = the
 * caller's key. One prefix is one partition, so `flush()` is a Query on that
 * partition plus batched deletes, never a table scan.
 *
 * DynamoDB caps a sort key at 1024 UTF-8 bytes (a partition key at 2048), and
 * key attributes cannot be empty strings. So every key value gets a one-byte
 * marker: `=` followed by the text itself when it fits, or `#` followed by the
 * base64url SHA-256 of its UTF-8 when it does not. The two namespaces can never
 * meet. A hashed item also stores the original key (attribute `k`), and every
 * read and condition checks it, so even a hash collision cannot mix keys up.
 *
 * Only well-formed UTF-16 has a UTF-8 form: a lone surrogate would be sent as
 * U+FFFD, so `'\uD800x'` and `'\uDBFFx'` would be one item. Cache keys are
 * therefore checked by {@link encodeSortKey}, prefixes by `resolvePrefix`.
 */

/** Largest encoded key value in UTF-8 bytes (DynamoDB's sort key limit). */
export const MAX_KEY_VALUE_BYTES = 1024;

const encoder = new TextEncoder();

/** An encoded key value. */
export interface EncodedKeyValue {
  /** The attribute value (`=text` or `#hash`). */
  readonly value: string;
  /** The original text when `value` is a hash, else `undefined`. */
  readonly hashedFrom: string | undefined;
  /** UTF-8 length of `value`. */
  readonly bytes: number;
}

/** Encodes a prefix or key for a key attribute. */
export function encodeKeyValue(text: string): EncodedKeyValue {
  const utf8 = encoder.encode(text);
  if (utf8.byteLength + 1 <= MAX_KEY_VALUE_BYTES) {
    return { value: `=${text}`, hashedFrom: undefined, bytes: utf8.byteLength + 1 };
  }
  const hashed = `#${createHash('sha256').update(utf8).digest('base64url')}`;
  return { value: hashed, hashedFrom: text, bytes: hashed.length };
}

/**
 * Encodes a cache key for the sort key attribute, after checking it.
 *
 * @throws `InvalidKeyError` for an empty key or one with a lone surrogate
 */
export function encodeSortKey(key: string): EncodedKeyValue {
  assertStoreKey(key);
  return encodeKeyValue(key);
}
