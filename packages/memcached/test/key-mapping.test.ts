import { describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES, ownsEnvelope, toWireKey } from '../src/key-mapping.js';

const NS = 'app:123456789';
const SAFE_WIRE_KEY = /^[\x21-\x7e]+$/;

describe('toWireKey', () => {
  it('keeps printable ASCII keys readable under the namespace', () => {
    expect(toWireKey(NS, 'user:42')).toEqual({ key: `${NS}:k:user:42`, original: undefined });
  });

  it('hashes keys with spaces, control characters, non-ASCII or too many bytes', () => {
    const keys = ['with space', 'tab\tkey', 'nl\nkey', 'del\x7f', 'ключ', '🔑', 'k'.repeat(300), '', 'h:abc'];
    for (const key of keys.slice(0, 7)) {
      const wire = toWireKey(NS, key);
      expect(wire.key, key).toMatch(/^app:123456789:h:[\w-]{43}$/);
      expect(Buffer.from(wire.original as Uint8Array).equals(Buffer.from(key, 'utf16le')), key).toBe(true);
    }
    for (const key of keys) {
      const wire = toWireKey(NS, key);
      expect(wire.key.length).toBeLessThanOrEqual(MAX_KEY_BYTES);
      expect(wire.key).toMatch(SAFE_WIRE_KEY);
    }
  });

  it('switches to a hash exactly where the wire key would pass 250 bytes', () => {
    const room = MAX_KEY_BYTES - `${NS}:k:`.length;
    expect(toWireKey(NS, 'a'.repeat(room)).original).toBeUndefined();
    expect(toWireKey(NS, 'a'.repeat(room)).key).toHaveLength(MAX_KEY_BYTES);
    expect(toWireKey(NS, 'a'.repeat(room + 1)).original).toBeDefined();
  });

  it('is injective: distinct keys, including lookalikes, never share a wire key', () => {
    const keys = [
      'a',
      'a ',
      'h:x',
      'k:x',
      'x',
      '\uD800', // lone surrogate: UTF-8 would turn it into U+FFFD
      '\uFFFD',
      'é',
      'e\u0301',
      'a'.repeat(1024),
      `${'a'.repeat(1023)}b`,
    ];
    const wires = keys.map((key) => toWireKey(NS, key).key);
    expect(new Set(wires).size).toBe(keys.length);
  });

  it('ownsEnvelope accepts only the exact original key for hashed keys', () => {
    const hashed = toWireKey(NS, 'with space');
    expect(ownsEnvelope(hashed, Buffer.from('with space', 'utf16le'))).toBe(true);
    expect(ownsEnvelope(hashed, Buffer.from('with spacE', 'utf16le'))).toBe(false);
    expect(ownsEnvelope(hashed, undefined)).toBe(false);
    const plain = toWireKey(NS, 'plain');
    expect(ownsEnvelope(plain, undefined)).toBe(true);
    expect(ownsEnvelope(plain, Buffer.from('plain', 'utf16le'))).toBe(false);
  });
});
