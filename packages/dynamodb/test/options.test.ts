import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { DynamoStore, type DynamoStoreOptions } from '../src/index.js';
import { encodeKeyValue, encodeSortKey, MAX_KEY_VALUE_BYTES } from '../src/item-keys.js';

const base = { region: 'us-east-1', prefix: 'opts' } as const;

describe('DynamoStore options', () => {
  it('rejects invalid table names with ConfigError', () => {
    for (const table of ['', 'ab', 'has space', 'semi;colon', 'x'.repeat(256), 'quote"']) {
      expect(() => new DynamoStore({ ...base, table }), table).toThrow(ConfigError);
    }
    expect(() => new DynamoStore({ ...base, table: 'ok.table-name_1' })).not.toThrow();
  });

  it('requires a prefix: a table may be shared by several services', () => {
    expect(() => new DynamoStore({ region: 'us-east-1' } as DynamoStoreOptions)).toThrow(/needs a prefix/);
    expect(() => new DynamoStore(undefined as unknown as DynamoStoreOptions)).toThrow(ConfigError);
    expect(() => new DynamoStore({ ...base, prefix: '' })).toThrow(ConfigError);
    expect(() => new DynamoStore({ ...base, prefix: 7 } as unknown as DynamoStoreOptions)).toThrow(
      ConfigError,
    );
  });

  it('refuses prefixes with a lone surrogate, which would share one partition', () => {
    // Both would be sent as UTF-8 '=\uFFFDx': one partition, so one store's flush() would empty the other.
    for (const lone of ['\uD800x', '\uDBFFx', 'x\uDC00', 'app\uD83D']) {
      expect(() => new DynamoStore({ ...base, prefix: lone }), JSON.stringify(lone)).toThrow(ConfigError);
    }
    expect(() => new DynamoStore({ ...base, prefix: 'rocket \uD83D\uDE80' })).not.toThrow();
  });

  it('refuses option names of earlier versions instead of ignoring them', () => {
    for (const [old, now] of [
      ['timeoutMs', 'timeout'],
      ['batchTimeoutMs', 'batchTimeout'],
      ['tableReadyTimeoutMs', 'tableReadyTimeout'],
    ] as const) {
      const options = { ...base, [old]: 1000 } as unknown as DynamoStoreOptions;
      expect(() => new DynamoStore(options), old).toThrow(new RegExp(`"${old}" is now called "${now}"`));
    }
  });

  it('takes durations as ms or strings and rejects non-positive ones', () => {
    expect(
      () => new DynamoStore({ ...base, timeout: '2s', batchTimeout: '30s', tableReadyTimeout: '1m' }),
    ).not.toThrow();
    expect(() => new DynamoStore({ ...base, timeout: 0 })).toThrow(ConfigError);
    expect(() => new DynamoStore({ ...base, batchTimeout: -5 })).toThrow(ConfigError);
    expect(() => new DynamoStore({ ...base, tableReadyTimeout: 'later' as never })).toThrow(ConfigError);
  });

  it('rejects client settings next to an injected client, and non-positive numbers', () => {
    const client = new DynamoDBClient({ region: 'us-east-1' });
    expect(() => new DynamoStore({ client, prefix: 'p', endpoint: 'http://127.0.0.1:1' })).toThrow(
      ConfigError,
    );
    expect(() => new DynamoStore({ ...base, maxConflictRetries: 1.5 })).toThrow(ConfigError);
    client.destroy();
  });

  it('advertises the item cap minus key overhead', () => {
    const store = new DynamoStore(base);
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

  it('refuses cache keys with a lone surrogate or empty, which have no distinct UTF-8 form', () => {
    for (const key of ['\uD800x', '\uDBFFx', 'x\uDC00', '']) {
      expect(() => encodeSortKey(key), JSON.stringify(key)).toThrow(
        expect.objectContaining({ code: 'CACHE_INVALID_KEY' }),
      );
    }
    expect(encodeSortKey('\uD83D\uDE80').value).toBe('=\uD83D\uDE80');
  });
});
