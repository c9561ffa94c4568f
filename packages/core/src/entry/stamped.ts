import { jsonCodec } from '../codec.js';
import { joinFrame, writeFrameHeader } from './frame.js';

/**
 * Brand of by-reference envelopes. Registered globally (`Symbol.for`) so that two
 * copies of `@cache/core` in one process — the ESM and the CJS build, say —
 * recognise each other's envelopes; an `instanceof` check would not.
 */
const ENVELOPE_BRAND: unique symbol = Symbol.for('@cache/core.envelope') as never;

/**
 * A value kept by reference together with its read-through metadata: the
 * by-reference twin of a framed entry. Only written when some metadata is needed
 * (grace, eager refresh, refresh-ahead); plain values are stored as they are.
 */
export class StampedValue {
  /** Marks envelopes across copies of the package. */
  readonly [ENVELOPE_BRAND] = true;

  /**
   * @param value - the user's value
   * @param softExpiresAt - ms since epoch after which the value is stale ("fresh until")
   * @param graceUntil - ms since epoch until which a stale value may still be served
   * @param writtenAt - ms since epoch when the value was written (for eager refresh)
   */
  constructor(
    readonly value: unknown,
    readonly softExpiresAt: number,
    readonly graceUntil?: number | undefined,
    readonly writtenAt?: number | undefined,
  ) {}
}

/** Whether `value` is a {@link StampedValue} from any copy of `@cache/core`. */
export function isStampedValue(value: unknown): value is StampedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [ENVELOPE_BRAND]?: unknown })[ENVELOPE_BRAND] === true
  );
}

/**
 * The bytes a by-reference value reads as through the byte interface: its JSON
 * encoding, framed with its metadata when it carries some. In-process stores call
 * this when a byte-level reader meets a value stored by reference.
 */
export function encodeReferenceValue(value: unknown): Uint8Array {
  if (isStampedValue(value)) {
    const header = writeFrameHeader({
      softExpiresAt: value.softExpiresAt,
      graceUntil: value.graceUntil,
      writtenAt: value.writtenAt,
    });
    return joinFrame(header, jsonCodec.encode(value.value));
  }
  return jsonCodec.encode(value);
}
