import { CorruptPayloadError } from '@cache/core';

/**
 * The bytes this store keeps in a memcached item around the caller's value.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | flags: bit 0 expiry present, bit 1 original key present |
 * | 1 | 8 | expiry, float64 big-endian ms since the epoch (bit 0 only) |
 * | … | 4 | byte length of the original key, uint32 big-endian (bit 1 only) |
 * | … | n | the original key as UTF-16LE code units (bit 1 only) |
 * | … | rest | the caller's value |
 *
 * The exact expiry makes reads millisecond-precise although memcached expires on
 * whole seconds. The original key is stored for keys mapped to a hash (see
 * `key-mapping.ts`) and compared on every read, so even a hash collision can
 * never return another key's value. UTF-16 code units, not UTF-8, because UTF-8
 * maps every lone surrogate to U+FFFD and would make two keys look equal.
 *
 * Items also carry {@link ENVELOPE_ITEM_FLAGS} in memcached's per-item flags, so a
 * value some other client wrote under one of this store's keys is recognised as
 * foreign instead of being misread.
 */

/** Memcached item flags of every item this store writes ("CA" + format 1). */
export const ENVELOPE_ITEM_FLAGS = 0xca01;

const FLAG_EXPIRY = 0b01;
const FLAG_KEY = 0b10;
const KNOWN_FLAGS = FLAG_EXPIRY | FLAG_KEY;

/** Largest envelope header for a key of `keyBytes` bytes (UTF-16LE). */
export function envelopeOverhead(keyBytes: number): number {
  return 1 + 8 + 4 + keyBytes;
}

/** A decoded envelope. `value` is a view into the item's bytes, not a copy. */
export interface Envelope {
  /** Exact expiry in ms since the epoch, or `undefined` for none. */
  readonly expiresAt: number | undefined;
  /** The original key (UTF-16LE bytes) for hashed keys, else `undefined`. */
  readonly originalKey: Uint8Array | undefined;
  /** The caller's value. */
  readonly value: Uint8Array;
}

/**
 * Builds the item bytes for `value`.
 *
 * @param value - the caller's bytes (copied, never referenced)
 * @param expiresAt - exact expiry in ms since the epoch, or `undefined`
 * @param originalKey - the original key's UTF-16LE bytes, for hashed keys only
 */
export function encodeEnvelope(
  value: Uint8Array,
  expiresAt: number | undefined,
  originalKey: Uint8Array | undefined,
): Buffer {
  const size =
    1 +
    (expiresAt !== undefined ? 8 : 0) +
    (originalKey !== undefined ? 4 + originalKey.byteLength : 0) +
    value.byteLength;
  const out = Buffer.allocUnsafe(size);
  out[0] = (expiresAt !== undefined ? FLAG_EXPIRY : 0) | (originalKey !== undefined ? FLAG_KEY : 0);
  let offset = 1;
  if (expiresAt !== undefined) {
    out.writeDoubleBE(expiresAt, offset);
    offset += 8;
  }
  if (originalKey !== undefined) {
    out.writeUInt32BE(originalKey.byteLength, offset);
    offset += 4;
    out.set(originalKey, offset);
    offset += originalKey.byteLength;
  }
  out.set(value, offset);
  return out;
}

/**
 * Parses item bytes written by {@link encodeEnvelope}.
 *
 * @throws `CorruptPayloadError` for unknown flags or a truncated envelope.
 */
export function decodeEnvelope(item: Buffer): Envelope {
  if (item.byteLength < 1) throw new CorruptPayloadError('memcached item is empty: not a cache envelope');
  const flags = item[0] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new CorruptPayloadError(`memcached item has unknown envelope flags 0x${flags.toString(16)}`);
  }
  let offset = 1;
  let expiresAt: number | undefined;
  if ((flags & FLAG_EXPIRY) !== 0) {
    if (item.byteLength < offset + 8) throw new CorruptPayloadError('memcached item envelope is truncated');
    expiresAt = item.readDoubleBE(offset);
    if (!Number.isFinite(expiresAt)) throw new CorruptPayloadError('memcached item has an invalid expiry');
    offset += 8;
  }
  let originalKey: Uint8Array | undefined;
  if ((flags & FLAG_KEY) !== 0) {
    if (item.byteLength < offset + 4) throw new CorruptPayloadError('memcached item envelope is truncated');
    const length = item.readUInt32BE(offset);
    offset += 4;
    if (item.byteLength < offset + length)
      throw new CorruptPayloadError('memcached item envelope is truncated');
    originalKey = item.subarray(offset, offset + length);
    offset += length;
  }
  return { expiresAt, originalKey, value: item.subarray(offset) };
}
