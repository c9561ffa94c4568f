import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CorruptPayloadError, encodeCounter, NO_EXPIRY } from '@cache/core';
import type { EncodedKeyValue } from './item-keys.js';
import { attributeSize, MAX_NUMBER_BYTES, utf8Length } from './item-size.js';

/**
 * The attributes of a cache item.
 *
 * | attribute | type | meaning |
 * |---|---|---|
 * | `pk` | S | partition key: the encoded prefix |
 * | `sk` | S | sort key: the encoded cache key |
 * | `v` | B | the value (absent on counters) |
 * | `n` | N | a counter's value (absent on byte values); read back as ASCII decimal bytes |
 * | `exp` | N | expiry, ms since epoch; `0` = never. The authoritative expiry, checked on every read |
 * | `ttl` | N | expiry in whole seconds (rounded up), for DynamoDB's native TTL sweeper; absent = never |
 * | `k` | S | the original key, only when `sk` is a hash |
 *
 * Counters live in a number attribute because `UpdateItem ADD`, the only
 * atomic server-side arithmetic, works on numbers only; `get` turns `n` into
 * the same decimal bytes a byte-level counter would hold.
 */
export const ATTR = {
  pk: 'pk',
  sk: 'sk',
  value: 'v',
  counter: 'n',
  expiresAt: 'exp',
  ttl: 'ttl',
  key: 'k',
} as const;

/** A raw DynamoDB item. */
export type Item = Record<string, AttributeValue>;

/** The primary key of an item. */
export function itemKey(pk: EncodedKeyValue, sk: EncodedKeyValue): Item {
  return { [ATTR.pk]: { S: pk.value }, [ATTR.sk]: { S: sk.value } };
}

/** Absolute expiry (ms) for a store-level TTL written at `now`. */
export function expiryFor(ttl: number, now: number): number {
  return ttl === NO_EXPIRY ? NO_EXPIRY : now + ttl;
}

/** The native-TTL attribute value: whole seconds, rounded up so it never precedes `exp`. */
export function ttlSeconds(expiresAt: number): string {
  return String(Math.ceil(expiresAt / 1000));
}

/** The expiry attributes (and `k` for hashed keys) every write sets. */
export function metadataAttributes(expiresAt: number, sk: EncodedKeyValue): Item {
  const item: Item = { [ATTR.expiresAt]: { N: String(expiresAt) } };
  if (expiresAt !== NO_EXPIRY) item[ATTR.ttl] = { N: ttlSeconds(expiresAt) };
  if (sk.hashedFrom !== undefined) item[ATTR.key] = { S: sk.hashedFrom };
  return item;
}

/** Size DynamoDB will count for an item of this key holding `valueBytes` of value (upper bound). */
export function itemSize(pk: EncodedKeyValue, sk: EncodedKeyValue, valueBytes: number): number {
  return (
    attributeSize(ATTR.pk, pk.bytes) +
    attributeSize(ATTR.sk, sk.bytes) +
    attributeSize(ATTR.value, valueBytes) +
    attributeSize(ATTR.expiresAt, MAX_NUMBER_BYTES) +
    attributeSize(ATTR.ttl, MAX_NUMBER_BYTES) +
    (sk.hashedFrom === undefined ? 0 : attributeSize(ATTR.key, utf8Length(sk.hashedFrom)))
  );
}

/** What a stored item holds, judged at `now`. */
export type ItemState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'bytes'; readonly value: Uint8Array; readonly expiresAt: number }
  | { readonly kind: 'counter'; readonly value: number; readonly expiresAt: number };

const ABSENT: ItemState = { kind: 'absent' };

/**
 * Interprets an item read for `sk`: absent when missing, expired, or (for a
 * hashed key) holding another key.
 *
 * @throws {@link CorruptPayloadError} for an item this driver did not write.
 */
export function readItem(item: Item | undefined, sk: EncodedKeyValue, now: number): ItemState {
  if (item === undefined) return ABSENT;
  const expiresAt = Number(item[ATTR.expiresAt]?.N);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) {
    throw new CorruptPayloadError('DynamoDB cache item has no valid "exp" attribute');
  }
  if (expiresAt !== NO_EXPIRY && expiresAt <= now) return ABSENT;
  if (sk.hashedFrom !== undefined && item[ATTR.key]?.S !== sk.hashedFrom) return ABSENT;
  const counter = item[ATTR.counter]?.N;
  if (counter !== undefined) {
    const value = Number(counter);
    if (!Number.isSafeInteger(value)) throw new CorruptPayloadError('DynamoDB counter is not a safe integer');
    return { kind: 'counter', value, expiresAt };
  }
  const bytes = item[ATTR.value]?.B;
  if (bytes === undefined) throw new CorruptPayloadError('DynamoDB cache item has neither "v" nor "n"');
  return { kind: 'bytes', value: bytes, expiresAt };
}

/** The bytes `get` returns for a state (a counter reads as its ASCII decimal). */
export function stateBytes(state: ItemState): Uint8Array | undefined {
  if (state.kind === 'absent') return undefined;
  return state.kind === 'counter' ? encodeCounter(state.value) : state.value;
}
