import { CorruptPayloadError, NO_EXPIRY } from '@cache/core';

/**
 * The binary envelope every NATS entry is stored in.
 *
 * NATS 2.9 KV has no per-message TTL (only a bucket-wide max age), so the
 * per-key expiry travels with the value and is checked on every read.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | magic `0xC5` |
 * | 1 | 1 | format version (`1`) |
 * | 2 | 1 | flags: bit 0 = original key present |
 * | 3 | 8 | expires at, float64 big-endian ms since epoch; `0` = never |
 * | 11 | 4 | original key length, uint32 big-endian (only with bit 0) |
 * | 15 | n | original key, UTF-8 (only with bit 0) |
 * | … | rest | the value |
 *
 * The original key is only stored for keys whose KV key is a hash (see
 * `key-encoding.ts`), so reads can reject a colliding entry.
 */

const MAGIC = 0xc5;
const VERSION = 1;
const FLAG_KEY = 0b1;
const FIXED_HEADER_BYTES = 11;
const KEY_LENGTH_BYTES = 4;

/** A decoded envelope. */
export interface Envelope {
  /** Ms since epoch after which the entry is expired, or {@link NO_EXPIRY}. */
  readonly expiresAt: number;
  /** The original key bytes, when stored. */
  readonly key: Uint8Array | undefined;
  /** The caller's value (a view into the message data; not shared with anything else). */
  readonly value: Uint8Array;
}

/** Bytes the envelope adds around a value stored under a key of `keyBytes` stored bytes. */
export function envelopeOverhead(keyBytes: number | undefined): number {
  return FIXED_HEADER_BYTES + (keyBytes === undefined ? 0 : KEY_LENGTH_BYTES + keyBytes);
}

/** The absolute expiry for a store-level TTL, read against `now`. */
export function expiryFor(ttl: number, now: number): number {
  return ttl === NO_EXPIRY ? NO_EXPIRY : now + ttl;
}

/** Whether an entry expiring at `expiresAt` is expired at `now`. */
export function isExpired(expiresAt: number, now: number): boolean {
  return expiresAt !== NO_EXPIRY && expiresAt <= now;
}

/** Wraps `value` with its expiry (and, for hashed keys, the original key). */
export function encodeEnvelope(
  value: Uint8Array,
  expiresAt: number,
  key: Uint8Array | undefined,
): Uint8Array {
  // From Node's shared pool (every byte is written below): a fresh `Uint8Array` costs an
  // external allocation, measured ~0.6 µs for 200 bytes against ~0.1 µs.
  const out = Buffer.allocUnsafe(envelopeOverhead(key?.byteLength) + value.byteLength);
  out[0] = MAGIC;
  out[1] = VERSION;
  out[2] = key === undefined ? 0 : FLAG_KEY;
  out.writeDoubleBE(expiresAt, 3);
  let offset = FIXED_HEADER_BYTES;
  if (key !== undefined) {
    out.writeUInt32BE(key.byteLength, offset);
    out.set(key, offset + KEY_LENGTH_BYTES);
    offset += KEY_LENGTH_BYTES + key.byteLength;
  }
  out.set(value, offset);
  return out;
}

/**
 * Parses an envelope.
 *
 * @throws {@link CorruptPayloadError} for bytes this driver did not write.
 */
export function decodeEnvelope(data: Uint8Array): Envelope {
  if (data.byteLength < FIXED_HEADER_BYTES || data[0] !== MAGIC) {
    throw new CorruptPayloadError('NATS entry is not a @cache/nats envelope');
  }
  if (data[1] !== VERSION) throw new CorruptPayloadError(`unknown @cache/nats envelope version ${data[1]}`);
  const flags = data[2] as number;
  if ((flags & ~FLAG_KEY) !== 0) throw new CorruptPayloadError(`unknown @cache/nats envelope flags ${flags}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const expiresAt = view.getFloat64(3, false);
  if (!Number.isFinite(expiresAt) || expiresAt < 0)
    throw new CorruptPayloadError('corrupt @cache/nats expiry');
  let offset = FIXED_HEADER_BYTES;
  let key: Uint8Array | undefined;
  if ((flags & FLAG_KEY) !== 0) {
    if (data.byteLength < offset + KEY_LENGTH_BYTES)
      throw new CorruptPayloadError('truncated @cache/nats envelope');
    const length = view.getUint32(offset, false);
    offset += KEY_LENGTH_BYTES;
    if (data.byteLength < offset + length) throw new CorruptPayloadError('truncated @cache/nats envelope');
    key = data.subarray(offset, offset + length);
    offset += length;
  }
  return { expiresAt, key, value: data.subarray(offset) };
}
