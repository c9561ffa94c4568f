import { jsonCodec } from '../codec.js';
import type { VersionChecked, VersionStamp } from '../tags/tag-versions.js';
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
export class StampedValue implements VersionChecked {
  /** Marks envelopes across copies of the package. */
  readonly [ENVELOPE_BRAND] = true;
  /** @internal The tag-versions epoch of the last successful version check (0: never). */
  checkedEpoch = 0;
  /** @internal Until when that check may be trusted, ms since epoch. */
  checkedUntil = 0;

  /**
   * @param value - the user's value
   * @param softExpiresAt - ms since epoch after which the value is stale ("fresh until")
   * @param graceUntil - ms since epoch until which a stale value may still be served
   * @param writtenAt - ms since epoch when the value was written (for eager refresh)
   * @param versions - the tag and namespace versions it was written under
   */
  constructor(
    readonly value: unknown,
    readonly softExpiresAt: number,
    readonly graceUntil?: number | undefined,
    readonly writtenAt?: number | undefined,
    readonly versions?: readonly VersionStamp[] | undefined,
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
      // A tagged entry without a soft expiry is fresh for as long as it is kept.
      softExpiresAt: Number.isFinite(value.softExpiresAt) ? value.softExpiresAt : undefined,
      graceUntil: value.graceUntil,
      writtenAt: value.writtenAt,
      versions: value.versions,
    });
    return joinFrame(header, jsonCodec.encode(value.value));
  }
  return jsonCodec.encode(value);
}
