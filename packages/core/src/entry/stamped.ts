import { jsonCodec } from '../codec.js';
import { joinFrame, writeFrameHeader } from './frame.js';

/**
 * A value kept by reference together with helper metadata (its soft expiry).
 * The by-reference twin of a framed entry with a soft expiry.
 */
export class StampedValue {
  /**
   * @param value - the user's value
   * @param softExpiresAt - ms since epoch after which the value is stale
   */
  constructor(
    readonly value: unknown,
    readonly softExpiresAt: number,
  ) {}
}

/**
 * The bytes a by-reference value reads as through the byte interface: its JSON
 * encoding, framed with its soft expiry when it carries one. In-process stores
 * call this when a byte-level reader meets a value stored by reference.
 */
export function encodeReferenceValue(value: unknown): Uint8Array {
  if (value instanceof StampedValue) {
    return joinFrame(writeFrameHeader({ softExpiresAt: value.softExpiresAt }), jsonCodec.encode(value.value));
  }
  return jsonCodec.encode(value);
}
