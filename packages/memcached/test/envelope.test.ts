import { CorruptPayloadError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, envelopeOverhead } from '../src/envelope.js';

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('value envelope', () => {
  it('round-trips value, exact expiry and original key', () => {
    const key = new Uint8Array(Buffer.from('ключ 🔑', 'utf16le'));
    const item = encodeEnvelope(ALL_BYTES, 1_700_000_000_123, key);
    expect(item.byteLength).toBe(envelopeOverhead(key.byteLength) + 256);
    const decoded = decodeEnvelope(item);
    expect(decoded.expiresAt).toBe(1_700_000_000_123);
    expect(new Uint8Array(decoded.originalKey as Uint8Array)).toEqual(key);
    expect(new Uint8Array(decoded.value)).toEqual(ALL_BYTES);
  });

  it('costs one byte without expiry and key, and keeps an empty value empty', () => {
    const item = encodeEnvelope(new Uint8Array(0), undefined, undefined);
    expect(item.byteLength).toBe(1);
    expect(decodeEnvelope(item)).toEqual({
      expiresAt: undefined,
      originalKey: undefined,
      value: Buffer.alloc(0),
    });
  });

  it('copies the value: mutating the source afterwards changes nothing', () => {
    const source = Uint8Array.of(1, 2, 3);
    const item = encodeEnvelope(source, undefined, undefined);
    source[0] = 9;
    expect([...decodeEnvelope(item).value]).toEqual([1, 2, 3]);
  });

  it('rejects unknown flags and truncated headers with CorruptPayloadError', () => {
    expect(() => decodeEnvelope(Buffer.alloc(0))).toThrow(CorruptPayloadError);
    expect(() => decodeEnvelope(Buffer.from([0x80, 1, 2]))).toThrow(CorruptPayloadError);
    expect(() => decodeEnvelope(Buffer.from([0x01, 0, 0, 0]))).toThrow(CorruptPayloadError);
    const withKey = encodeEnvelope(Uint8Array.of(1), undefined, Uint8Array.of(1, 2, 3, 4));
    expect(() => decodeEnvelope(withKey.subarray(0, 6))).toThrow(CorruptPayloadError);
  });
});
