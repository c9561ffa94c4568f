import { createHash } from 'node:crypto';
import { assertStoreKey } from '@cache/core';

/**
 * Maps the caller's keys onto NATS KV keys.
 *
 * A KV key may only contain `[-/_=.a-zA-Z0-9]`, and dots separate subject
 * tokens. Every stored key therefore has exactly two tokens:
 *
 * `<prefix token>.<key token>`
 *
 * - the prefix token is `p` + base64url(UTF-8 prefix), or `q` + SHA-256 of it for
 *   very long prefixes, so `flush()` can purge the subject filter
 *   `<prefix token>.>` and can never touch another prefix: base64url is
 *   injective and a token is matched whole, never by string prefix;
 * - the key token is `k` + base64url(UTF-8 key) while that stays short, and `h` +
 *   base64url(SHA-256(key)) otherwise. A hashed key keeps the original key in the
 *   value envelope, and reads verify it, so even a hash collision cannot return
 *   another key's value.
 *
 * The leading letter keeps every token non-empty and separates the plain and
 * hashed namespaces.
 *
 * Both are only injective for well-formed UTF-16: a lone surrogate has no UTF-8
 * encoding (it becomes U+FFFD), so `'\uD800x'` and `'\uDBFFx'` would share one KV
 * key, and two such prefixes one token (one's `flush()` would purge the other).
 * Keys are therefore checked here with `assertStoreKey`, prefixes by
 * `resolvePrefix` when the options are read.
 */

/** Longest key token written verbatim; longer keys are hashed (keeps subjects well under NATS limits). */
export const MAX_PLAIN_KEY_TOKEN = 256;

/** A caller's key mapped onto the bucket. */
export interface EncodedKey {
  /** The KV key (two dot-separated tokens). */
  readonly kvKey: string;
  /** UTF-8 of the original key when the key token is a hash (kept in the envelope), else `undefined`. */
  readonly hashedFrom: Uint8Array | undefined;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

/** The subject token standing for `prefix`. */
export function encodePrefixToken(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  const plain = `p${bytes.toString('base64url')}`;
  return plain.length <= MAX_PLAIN_KEY_TOKEN ? plain : `q${sha256(bytes)}`;
}

/**
 * The KV key for `key` under an already encoded prefix token.
 *
 * @throws `InvalidKeyError` for an empty key or one with a lone surrogate
 */
export function encodeKey(prefixToken: string, key: string): EncodedKey {
  assertStoreKey(key);
  // On every call's hot path: one native UTF-8 + base64url pass.
  const bytes = Buffer.from(key, 'utf8');
  const plain = `k${bytes.toString('base64url')}`;
  if (plain.length <= MAX_PLAIN_KEY_TOKEN) return { kvKey: `${prefixToken}.${plain}`, hashedFrom: undefined };
  return { kvKey: `${prefixToken}.h${sha256(bytes)}`, hashedFrom: new Uint8Array(bytes) };
}
