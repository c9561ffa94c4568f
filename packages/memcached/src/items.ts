import { assertStoreKey, CorruptPayloadError, InvalidTtlError, ValueTooLargeError } from '@cache/core';
import type { Item } from './binary-protocol.js';
import { decodeEnvelope, type Envelope, ENVELOPE_ITEM_FLAGS, envelopeOverhead } from './envelope.js';
import { MAX_KEY_BYTES, ownsEnvelope, type WireKey } from './key-mapping.js';

/**
 * Checks on what the store reads and writes, kept apart from the network code so
 * that every one runs before anything is sent.
 */

/** Bytes memcached spends per item besides key and value (item header, CAS, suffix), rounded up. */
const SERVER_ITEM_HEADER_BYTES = 64;

/** Throws `InvalidTtlError` unless `ttl` is a store TTL: a non-negative integer of ms. */
export function assertTtl(ttl: number): void {
  if (!Number.isSafeInteger(ttl) || ttl < 0) {
    throw new InvalidTtlError(`store ttl must be a non-negative integer of ms, got ${ttl}`);
  }
}

/**
 * Checks a write before any network call: the key, the TTL, the advertised value
 * cap, and the whole item for keys so long that their stored original key no
 * longer fits the reserve.
 *
 * @param maxValueBytes - the store's `capabilities.maxValueBytes`
 * @param maxItemBytes - the largest whole item (`maxValueBytes` plus the reserve)
 */
export function assertWritable(
  key: string,
  value: Uint8Array,
  ttl: number,
  maxValueBytes: number,
  maxItemBytes: number,
): void {
  assertStoreKey(key);
  assertTtl(ttl);
  if (value.byteLength > maxValueBytes) throw new ValueTooLargeError(key, value.byteLength, maxValueBytes);
  const item = SERVER_ITEM_HEADER_BYTES + MAX_KEY_BYTES + envelopeOverhead(2 * key.length) + value.byteLength;
  if (item > maxItemBytes) throw new ValueTooLargeError(key, item, maxItemBytes);
}

/**
 * The envelope of a live item owned by `wire`, or `undefined` (expired to the
 * millisecond, or a hash collision).
 *
 * @throws `CorruptPayloadError` for an item this store did not write.
 */
export function liveEnvelope(key: string, wire: WireKey, item: Item, now: number): Envelope | undefined {
  if (item.flags !== ENVELOPE_ITEM_FLAGS) {
    throw new CorruptPayloadError(
      `memcached item for key "${key.slice(0, 80)}" was not written by this store (flags 0x${item.flags.toString(16)})`,
    );
  }
  const envelope = decodeEnvelope(item.value);
  if (!ownsEnvelope(wire, envelope.originalKey)) return undefined;
  if (envelope.expiresAt !== undefined && envelope.expiresAt <= now) return undefined;
  return envelope;
}
