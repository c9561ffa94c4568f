import * as nodeCrypto from 'node:crypto';
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
 * Binds a store's keys to statement parameters: the key identity
 * (`prefix, cache_key` or `prefix, key_hash, cache_key`) and the lookup value of
 * `IN (…)` lists (the key or its hash).
 */
export class KeyIdentity {
  /**
   * @param storage - the dialect's key storage
   * @param prefix - the store's prefix
   */
  constructor(
    readonly storage: KeyStorage,
    readonly prefix: string,
  ) {}

  /** Identity parameters of `key`, in statement order. */
  params(key: string): SqlParam[] {
    if (this.storage === 'plain') return [this.prefix, key];
    // The full key is stored as UTF-8 bytes (bytea/BLOB: no collation, NUL allowed)
    // and compared on every read, so a hash collision can never return another key's value.
    return [this.prefix, keyHash(key), Buffer.from(key, 'utf8')];
  }

  /** The `IN (…)` lookup value of `key`. */
  lookup(key: string): SqlParam {
    return this.storage === 'plain' ? key : keyHash(key);
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The key as the database gives it back. UTF-8 cannot encode a lone UTF-16
 * surrogate, so drivers store U+FFFD instead: two keys that differ only in lone
 * surrogates are the same key to a SQL store. Batch reads map rows back through
 * this form.
 */
export function storedKeyForm(key: string): string {
  return key.replace(LONE_SURROGATE, '\uFFFD');
}
