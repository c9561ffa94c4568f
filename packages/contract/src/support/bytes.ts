import { bytesEqual, utf8 } from '@cache/core';
import { expect } from 'vitest';

/** Bytes from a list of octets: `octets(1, 2, 3)`. */
export function octets(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** UTF-8 bytes of `text`. */
export function text(value: string): Uint8Array {
  return utf8(value);
}

/**
 * `length` pseudo-random bytes from a fixed seed. Deterministic (a failure
 * reproduces) and incompressible (a backend that compresses cannot hide a
 * size problem behind a run of zeros).
 */
export function noise(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    // xorshift32: tiny, fast and good enough to defeat compression.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

/** Short readable rendering of bytes for failure messages. */
export function describeBytes(value: Uint8Array | undefined): string {
  if (value === undefined) return 'undefined';
  const head = Array.from(value.subarray(0, 24), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${value.byteLength} bytes [${head}${value.byteLength > 24 ? ' …' : ''}]`;
}

/**
 * Asserts that `actual` is a `Uint8Array` (a `Buffer` is fine) holding exactly
 * the bytes of `expected`.
 */
export function expectBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  expect(actual, `${what}: expected a Uint8Array, got ${describeBytes(actual)}`).toBeInstanceOf(Uint8Array);
  const ok = bytesEqual(actual as Uint8Array, expected);
  expect(ok, `${what}: expected ${describeBytes(expected)}, got ${describeBytes(actual)}`).toBe(true);
}
