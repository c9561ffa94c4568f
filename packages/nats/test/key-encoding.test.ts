import { InvalidKeyError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { encodeKey, encodePrefixToken, MAX_PLAIN_KEY_TOKEN } from '../src/key-encoding.js';

// What nats.js accepts as a KV key, plus its rule on leading/trailing dots.
const VALID_KV_KEY = /^[-/=.\w]+$/;

function expectValidKvKey(kvKey: string): void {
  expect(kvKey).toMatch(VALID_KV_KEY);
  expect(kvKey.startsWith('.') || kvKey.endsWith('.'), kvKey).toBe(false);
  expect(kvKey.split('.')).toHaveLength(2);
}

describe('key encoding', () => {
  it('maps awkward keys and prefixes onto valid, distinct two-token KV keys', () => {
    const keys = [
      'a',
      'A',
      'a.b',
      '.',
      '*',
      '>',
      'with space',
      'emoji 🚀',
      'line\nbreak',
      'cafe\u0301',
      'caf\u00e9',
    ];
    const prefixToken = encodePrefixToken('app:*.>');
    const encoded = keys.map((key) => encodeKey(prefixToken, key).kvKey);
    for (const kvKey of encoded) expectValidKvKey(kvKey);
    expect(new Set(encoded).size).toBe(keys.length);
  });

  it('gives the empty prefix and prefixes that are string prefixes of each other distinct tokens', () => {
    const tokens = ['', 'a', 'ab', 'a.', 'a.b'].map(encodePrefixToken);
    expect(new Set(tokens).size).toBe(5);
    for (const token of tokens) expect(token).toMatch(/^[-\w]+$/);
  });

  it('hashes long keys, keeps their original bytes, and tells near-identical long keys apart', () => {
    const token = encodePrefixToken('p');
    const long = `${'k'.repeat(1023)}a`;
    const twin = `${'k'.repeat(1023)}b`;
    const a = encodeKey(token, long);
    const b = encodeKey(token, twin);
    expectValidKvKey(a.kvKey);
    expect(a.kvKey.length).toBeLessThan(MAX_PLAIN_KEY_TOKEN);
    expect(a.kvKey).not.toBe(b.kvKey);
    expect(new TextDecoder().decode(a.hashedFrom)).toBe(long);
    expect(encodeKey(token, 'short').hashedFrom).toBeUndefined();
  });

  it('refuses keys with a lone surrogate, which UTF-8 would merge into one KV key', () => {
    const token = encodePrefixToken('p');
    // Without the check both become base64url(UTF-8 "\uFFFDx"): the same KV key.
    for (const key of ['\uD800x', '\uDBFFx', 'x\uDC00', '']) {
      expect(() => encodeKey(token, key), JSON.stringify(key)).toThrow(InvalidKeyError);
    }
    expect(encodeKey(token, '\uD83D\uDE80').kvKey).not.toBe(encodeKey(token, '\uFFFD').kvKey);
  });

  it('hashes very long prefixes into one short token', () => {
    const token = encodePrefixToken('x'.repeat(10_000));
    expect(token.length).toBeLessThan(64);
    expect(token).not.toBe(encodePrefixToken(`${'x'.repeat(9_999)}y`));
  });
});
