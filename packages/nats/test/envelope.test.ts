import { CorruptPayloadError, NO_EXPIRY } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, envelopeOverhead, expiryFor, isExpired } from '../src/envelope.js';

describe('envelope', () => {
  it('round trips value, expiry and an optional original key', () => {
    const value = Uint8Array.from({ length: 256 }, (_, i) => i);
    const key = new TextEncoder().encode('original key');
    const plain = decodeEnvelope(encodeEnvelope(value, 1_700_000_000_123, undefined));
    expect(plain.expiresAt).toBe(1_700_000_000_123);
    expect(plain.key).toBeUndefined();
    expect([...plain.value]).toEqual([...value]);
    const keyed = decodeEnvelope(encodeEnvelope(value, NO_EXPIRY, key));
    expect(keyed.expiresAt).toBe(NO_EXPIRY);
    expect(new TextDecoder().decode(keyed.key)).toBe('original key');
    expect([...keyed.value]).toEqual([...value]);
    expect(encodeEnvelope(value, 0, key).byteLength).toBe(
      value.byteLength + envelopeOverhead(key.byteLength),
    );
  });

  it('keeps the empty value distinct from a miss', () => {
    expect(decodeEnvelope(encodeEnvelope(new Uint8Array(0), NO_EXPIRY, undefined)).value.byteLength).toBe(0);
  });

  it('rejects foreign, truncated and future-version bytes with CorruptPayloadError', () => {
    const good = encodeEnvelope(new Uint8Array([1, 2, 3]), 5, new Uint8Array([9, 9]));
    expect(() => decodeEnvelope(new TextEncoder().encode('"plain json"'))).toThrow(CorruptPayloadError);
    expect(() => decodeEnvelope(good.subarray(0, 5))).toThrow(CorruptPayloadError);
    expect(() => decodeEnvelope(good.subarray(0, 13))).toThrow(CorruptPayloadError);
    const future = good.slice();
    future[1] = 2;
    expect(() => decodeEnvelope(future)).toThrow(CorruptPayloadError);
  });

  it('treats NO_EXPIRY as never expiring and a past expiry as expired', () => {
    expect(expiryFor(NO_EXPIRY, 1000)).toBe(NO_EXPIRY);
    expect(expiryFor(50, 1000)).toBe(1050);
    expect(isExpired(NO_EXPIRY, Number.MAX_SAFE_INTEGER)).toBe(false);
    expect(isExpired(1050, 1049)).toBe(false);
    expect(isExpired(1050, 1050)).toBe(true);
  });
});
