import { crc32 as nativeCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, portableCrc32 } from '../src/crc32.js';
import { decodeEntry, decodeHeader, encodeEntry, encodeKey, HEADER_BYTES } from '../src/entry-format.js';

describe('entry format', () => {
  it('round-trips key, value and expiry, and lays the header out as documented', () => {
    const file = encodeEntry(encodeKey('ké'), new Uint8Array([1, 2, 3]), 1_700_000_000_123);
    expect([...file.subarray(0, 8)]).toEqual([0x89, 0x43, 0x46, 0x53, 1, 0, 0, 0]);
    expect(file.readBigUInt64BE(8)).toBe(1_700_000_000_123n);
    expect(file.readUInt32BE(16)).toBe(4); // "ké" in UTF-16LE
    expect(file.readBigUInt64BE(20)).toBe(3n);
    expect(file.length).toBe(HEADER_BYTES + 4 + 3);
    const decoded = decodeEntry(file, encodeKey('ké'));
    expect(decoded).toEqual({
      kind: 'entry',
      value: new Uint8Array([1, 2, 3]),
      expiresAt: 1_700_000_000_123,
    });
    expect(decodeEntry(file, encodeKey('ke'))).toEqual({ kind: 'other-key' });
    expect(decodeHeader(file.subarray(0, HEADER_BYTES), file.length)).toMatchObject({
      kind: 'header',
      valueLength: 3,
    });
  });

  it('rejects an expiry beyond the safe integer range as corrupt', () => {
    const file = encodeEntry(encodeKey('k'), new Uint8Array(0), 0);
    file.writeBigUInt64BE(2n ** 60n, 8);
    expect(decodeEntry(file, encodeKey('k'))).toMatchObject({ kind: 'corrupt' });
  });

  it('computes the standard CRC-32 with both the native and the portable implementation', () => {
    const data = Buffer.from('123456789');
    expect(portableCrc32(data)).toBe(0xcbf43926);
    expect(crc32(data)).toBe(0xcbf43926);
    const random = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    expect(portableCrc32(random.subarray(100), portableCrc32(random.subarray(0, 100)))).toBe(
      nativeCrc32(random),
    );
  });
});
