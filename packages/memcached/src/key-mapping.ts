import { createHash } from 'node:crypto';

/**
 * Memcached keys are at most 250 bytes and, for the text protocol and the
 * server's own tools, must not contain spaces or control characters. This module
 * maps the caller's keys (any string) to such keys, injectively:
 *
 * - `<namespace>:k:<key>` when `key` is printable ASCII without spaces and the
 *   whole wire key fits in 250 bytes (the common case: readable in `stats
 *   cachedump` and `memcached-tool`);
 * - `<namespace>:h:<base64url(sha256(UTF-16LE key))>` otherwise.
 *
 * The two shapes differ at a fixed position after the namespace, so a plain key
 * can never equal a hashed one. Hashed keys keep the original key in the value
 * envelope and readers compare it, so a hash collision reads as a miss, never as
 * another key's value. `<namespace>` is `<prefix>:<generation>` (see
 * `namespace-generation.ts`).
 */

/** Memcached's key length limit in bytes. */
export const MAX_KEY_BYTES = 250;

const SAFE_KEY = /^[\x21-\x7e]*$/;

/** A caller's key as sent to memcached. */
export interface WireKey {
  /** The memcached key (ASCII). */
  readonly key: string;
  /**
   * The original key as UTF-16LE bytes when `key` is a hash (to store in and check
   * against the envelope), `undefined` for a plain key.
   */
  readonly original: Uint8Array | undefined;
}

/** Maps the caller's `key` to its memcached key under `namespace`. */
export function toWireKey(namespace: string, key: string): WireKey {
  const plain = `${namespace}:k:${key}`;
  // Printable ASCII is one byte per character, so the string length is the byte length.
  if (plain.length <= MAX_KEY_BYTES && SAFE_KEY.test(key)) return { key: plain, original: undefined };
  const original = Buffer.from(key, 'utf16le');
  const digest = createHash('sha256').update(original).digest('base64url');
  return { key: `${namespace}:h:${digest}`, original };
}

/**
 * Whether the original key recorded in an envelope belongs to `wire`: plain keys
 * record none; hashed keys must record exactly the caller's key.
 */
export function ownsEnvelope(wire: WireKey, recorded: Uint8Array | undefined): boolean {
  if (wire.original === undefined) return recorded === undefined;
  return recorded !== undefined && Buffer.compare(wire.original, recorded) === 0;
}
