import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { DynamoStore } from '../src/index.js';
import { encodeKeyValue, MAX_KEY_VALUE_BYTES } from '../src/item-keys.js';

describe('DynamoStore options', () => {
  it('rejects invalid table names with ConfigError', () => {
    for (const table of ['', 'ab', 'has space', 'semi;colon', 'x'.repeat(256), 'quote"']) {
      expect(() => new DynamoStore({ table, region: 'us-east-1' }), table).toThrow(ConfigError);
    }
    expect(() => new DynamoStore({ table: 'ok.table-name_1', region: 'us-east-1' })).not.toThrow();
  });

  it('rejects client settings next to an injected client, and non-positive numbers', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    expect(() => new DynamoStore({ client, endpoint: 'http://127.0.0.1:1' })).toThrow(ConfigError);
    expect(() => new DynamoStore({ client, timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => new DynamoStore({ region: 'us-east-1', maxConflictRetries: 1.5 })).toThrow(ConfigError);
    client.destroy();
  });

  it('advertises the item cap minus key overhead', () => {
    const store = new DynamoStore({ region: 'us-east-1' });
    expect(store.capabilities).toMatchObject({ shared: true, durable: true, ttlResolutionMs: 1 });
    expect(store.capabilities.maxValueBytes).toBeLessThan(400 * 1024);
    expect(store.capabilities.maxValueBytes).toBeGreaterThan(390 * 1024);
  });
});

describe('key attribute encoding', () => {
  it('marks plain and hashed values so the namespaces never meet, and never yields an empty key', () => {
    expect(encodeKeyValue('').value).toBe('=');
    expect(encodeKeyValue('#abc').value).toBe('=#abc');
    const long = encodeKeyValue('k'.repeat(2000));
    expect(long.value.startsWith('#')).toBe(true);
    expect(long.hashedFrom).toBe('k'.repeat(2000));
    expect(encodeKeyValue(`${'k'.repeat(1500)}a`).value).not.toBe(
      encodeKeyValue(`${'k'.repeat(1500)}b`).value,
    );
  });

  it('counts UTF-8 bytes, not characters, against the 1024-byte sort key limit', () => {
    const fits = encodeKeyValue('a'.repeat(MAX_KEY_VALUE_BYTES - 1));
    expect(fits.hashedFrom).toBeUndefined();
    expect(fits.bytes).toBe(MAX_KEY_VALUE_BYTES);
    // 400 three-byte characters are 1200 bytes.
    expect(encodeKeyValue('中'.repeat(400)).hashedFrom).toBeDefined();
  });
});
