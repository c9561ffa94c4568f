import { ConfigError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_VALUE_BYTES, NatsStore, type NatsStoreOptions } from '../src/index.js';

const prefix = 'opts';

describe('NatsStore options', () => {
  it('rejects invalid bucket names with ConfigError before connecting', () => {
    for (const bucket of ['', 'has.dot', 'has space', 'star*', 'gt>', 'slash/']) {
      expect(() => new NatsStore({ bucket, prefix }), bucket).toThrow(ConfigError);
    }
    expect(() => new NatsStore({ bucket: 'ok-Bucket_1', prefix })).not.toThrow();
  });

  it('requires a prefix: a bucket may be shared by several services', () => {
    expect(() => new NatsStore({} as NatsStoreOptions)).toThrow(/needs a prefix/);
    expect(() => new NatsStore(undefined as unknown as NatsStoreOptions)).toThrow(ConfigError);
    expect(() => new NatsStore({ prefix: '' })).toThrow(ConfigError);
    expect(() => new NatsStore({ prefix: 42 } as unknown as NatsStoreOptions)).toThrow(ConfigError);
  });

  it('refuses prefixes with a lone surrogate, which would share one subject token', () => {
    // Both would be encoded as UTF-8 '\uFFFDx': one store's flush() would purge the other's keys.
    for (const lone of ['\uD800x', '\uDBFFx', 'x\uDC00', 'app\uD83D']) {
      expect(() => new NatsStore({ prefix: lone }), JSON.stringify(lone)).toThrow(ConfigError);
    }
    expect(() => new NatsStore({ prefix: 'rocket \uD83D\uDE80' })).not.toThrow();
  });

  it('refuses option names of earlier versions instead of ignoring them', () => {
    for (const [old, now] of [
      ['timeoutMs', 'timeout'],
      ['bucketMaxAgeMs', 'bucketMaxAge'],
      ['maxPayloadBytes', 'maxValueBytes'],
    ] as const) {
      const options = { prefix, [old]: 1000 } as unknown as NatsStoreOptions;
      expect(() => new NatsStore(options), old).toThrow(new RegExp(`"${old}" is now called "${now}"`));
    }
  });

  it('takes durations as ms or strings and rejects non-positive ones', () => {
    expect(() => new NatsStore({ prefix, timeout: '2s', bucketMaxAge: '1h' })).not.toThrow();
    expect(() => new NatsStore({ prefix, timeout: 250 })).not.toThrow();
    expect(() => new NatsStore({ prefix, timeout: 0 })).toThrow(ConfigError);
    expect(() => new NatsStore({ prefix, timeout: 'soon' as never })).toThrow(ConfigError);
    expect(() => new NatsStore({ prefix, bucketMaxAge: -1 })).toThrow(ConfigError);
  });

  it('rejects conflicting connection options and non-positive numbers', () => {
    const connection = {} as never;
    expect(() => new NatsStore({ connection, servers: '127.0.0.1:4222', prefix })).toThrow(ConfigError);
    expect(() => new NatsStore({ maxConflictRetries: -1, prefix })).toThrow(ConfigError);
    expect(() => new NatsStore({ maxValueBytes: 0, prefix })).toThrow(ConfigError);
    expect(() => new NatsStore({ servers: [], prefix })).toThrow(ConfigError);
  });

  it('advertises maxValueBytes as its value cap (default: 1 MiB payload minus 16 KiB)', () => {
    const store = new NatsStore({ prefix });
    expect(store.capabilities).toMatchObject({ shared: true, durable: true, ttlResolutionMs: 1 });
    expect(store.capabilities.maxValueBytes).toBe(DEFAULT_MAX_VALUE_BYTES);
    expect(DEFAULT_MAX_VALUE_BYTES).toBe(1024 * 1024 - 16 * 1024);
    expect(new NatsStore({ prefix, maxValueBytes: 4096 }).capabilities.maxValueBytes).toBe(4096);
  });
});
