import * as nodeCrypto from 'node:crypto';
import { assertStoreKey } from '@cache/core';
import type { KeyStorage } from './dialect.js';
import type { SqlParam } from './executor.js';

/**
 * Node's one-shot `crypto.hash` (20.12+) is about twice as fast as a `createHash`
 * object for short inputs; older 20.x releases fall back to the object.
 */
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer })
  .hash;

/** SHA-256 of the key's UTF-8 bytes: the indexed column of `sha256` key storage. */
export function keyHash(key: string): Buffer {
  return oneShotHash === undefined
    ? nodeCrypto.createHash('sha256').update(key, 'utf8').digest()
    : oneShotHash('sha256', key, 'buffer');
}

/**
 * Keys whose binary forms (SHA-256 and UTF-8 bytes) are kept, per generation. Two
 * generations of up to this many keys each: a key used again within the last
 * few thousand distinct keys costs a map lookup instead of a hash (~1–3 µs under
 * load) and a UTF-8 encoding. ~200 bytes per short key: well under 1 MiB.
 */
export const KEY_FORMS_PER_GENERATION = 2_048;
/** Longest key (UTF-16 code units) whose forms are kept: bounds the memory at a few MiB. */
export const MAX_MEMOISED_KEY_LENGTH = 256;

/** The binary forms of one checked key (never mutated: shared by every call on the key). */
interface KeyForms {
  readonly hash: Buffer;
  readonly bytes: Buffer;
}

/**
 * Binds a store's keys to statement parameters: the key identity
 * (`prefix, cache_key` or `prefix, key_hash, cache_key`) and the lookup value of
 * `IN (…)` lists (the key or its hash).
 *
 * For `sha256` storage the forms of recently used keys are memoised (two
 * generations of {@link KEY_FORMS_PER_GENERATION} keys: a key seen in the
 * current or the previous generation is reused, and promoted). What is stored
 * does not change: the key's SHA-256 and its full UTF-8 bytes, which every read
 * compares, so a collision can never return another key's value.
 */
export class KeyIdentity {
  #current = new Map<string, KeyForms>();
  #previous = new Map<string, KeyForms>();

  /**
   * @param storage - the dialect's key storage
   * @param prefix - the store's prefix
   */
  constructor(
    readonly storage: KeyStorage,
    readonly prefix: string,
  ) {}

  /**
   * Identity parameters of `key`, in statement order, in a new array the caller
   * may extend. This is where every key a SQL store receives is checked, before
   * any statement exists.
   *
   * @throws `InvalidKeyError` unless `key` is a non-empty, well-formed UTF-16
   *   string: a lone surrogate has no UTF-8 form, so two such keys would become one row.
   */
  params(key: string): SqlParam[] {
    if (this.storage === 'plain') {
      assertStoreKey(key);
      return [this.prefix, key];
    }
    // The full key is stored as UTF-8 bytes (bytea/BLOB: no collation, NUL allowed)
    // and compared on every read, so a hash collision can never return another key's value.
    const forms = this.#forms(key);
    return [this.prefix, forms.hash, forms.bytes];
  }

  /**
   * The `IN (…)` lookup value of `key` (the key, or its SHA-256).
   *
   * @throws `InvalidKeyError` as {@link KeyIdentity.params} does.
   */
  lookup(key: string): SqlParam {
    if (this.storage === 'plain') {
      assertStoreKey(key);
      return key;
    }
    return this.#forms(key).hash;
  }

  /** The memoised forms of `key`; a key found here was checked when it was added. */
  #forms(key: string): KeyForms {
    let forms = this.#current.get(key);
    if (forms !== undefined) return forms;
    forms = this.#previous.get(key);
    if (forms === undefined) {
      assertStoreKey(key);
      if (key.length > MAX_MEMOISED_KEY_LENGTH)
        return { hash: keyHash(key), bytes: Buffer.from(key, 'utf8') };
      // A buffer of its own: a slice of Node's shared pool would keep its whole 8 KiB slab alive.
      const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(key, 'utf8'));
      bytes.write(key, 'utf8');
      forms = { hash: keyHash(key), bytes };
    }
    if (this.#current.size >= KEY_FORMS_PER_GENERATION) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, forms);
    return forms;
  }
}
