import { NotNumericError } from './errors.js';

/**
 * Byte helpers shared by the facade and the drivers.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * UTF-8 encodes a string. `Buffer.from` is several times faster than
 * `TextEncoder.encode` on Node 20 (≈180 vs ≈880 ns for 200 bytes); the result is a
 * plain `Uint8Array` view (possibly of Node's shared buffer pool — stores copy what
 * they keep, as the Store contract requires).
 */
export function utf8(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'utf8');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Decodes UTF-8, throwing a `TypeError` on malformed input. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Constant-shape byte comparison (not constant-time: these are cache values, not secrets). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A copy of `bytes` that shares no memory with it. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

/**
 * What every driver counts as a numeric value for `increment`: a canonical decimal
 * integer, i.e. `0`, or an optional `-` and a digit other than 0 followed by at most
 * 15 more digits (so `"05"`, `"-0"`, `"+5"`, `" 5"`, `"1e3"` and `"1.0"` are not
 * numeric). This is Redis' own rule for `INCRBY`, the strictest of the backends, so
 * every driver can agree with it. The value must also be a safe integer.
 * `.source` is usable in SQL `REGEXP`/`~` checks.
 */
export const COUNTER_PATTERN: RegExp = /^(?:0|-?[1-9][0-9]{0,15})$/;
const DECIMAL = COUNTER_PATTERN;

/**
 * Counters are stored as ASCII decimal integers (what Redis `INCRBY`, SQL and
 * memcached use), so they are readable by every backend's own tools and by the
 * default JSON codec.
 */
export function encodeCounter(value: number): Uint8Array {
  return encoder.encode(String(value));
}

/**
 * Parses a stored counter.
 *
 * @throws {@link NotNumericError} when the bytes are not a canonical safe decimal integer
 * (see {@link COUNTER_PATTERN}).
 */
export function decodeCounter(key: string, bytes: Uint8Array): number {
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw new NotNumericError(key);
  }
  if (!DECIMAL.test(text)) throw new NotNumericError(key);
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new NotNumericError(key, 'holds a number outside the safe integer range');
  return value;
}

/**
 * Adds `delta` to `current`, throwing {@link NotNumericError} when the result leaves
 * the safe integer range. Drivers that increment in application code use this.
 */
export function addCounter(key: string, current: number, delta: number): number {
  const next = current + delta;
  if (!Number.isSafeInteger(next)) throw new NotNumericError(key, 'would leave the safe integer range');
  return next;
}
