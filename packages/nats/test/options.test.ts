import { ConfigError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { NatsStore } from '../src/index.js';

describe('NatsStore options', () => {
  it('rejects invalid bucket names with ConfigError before connecting', () => {
    for (const bucket of ['', 'has.dot', 'has space', 'star*', 'gt>', 'slash/']) {
      expect(() => new NatsStore({ bucket }), bucket).toThrow(ConfigError);
    }
    expect(() => new NatsStore({ bucket: 'ok-Bucket_1' })).not.toThrow();
  });

  it('rejects conflicting connection options and non-positive numbers', () => {
    const connection = {} as never;
    expect(() => new NatsStore({ connection, servers: '127.0.0.1:4222' })).toThrow(ConfigError);
    expect(() => new NatsStore({ timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => new NatsStore({ maxConflictRetries: -1 })).toThrow(ConfigError);
    expect(() => new NatsStore({ servers: [] })).toThrow(ConfigError);
  });

  it('advertises a value cap below the payload limit', () => {
    const store = new NatsStore({ maxPayloadBytes: 64 * 1024 });
    expect(store.capabilities).toMatchObject({ shared: true, durable: true, ttlResolutionMs: 1 });
    expect(store.capabilities.maxValueBytes).toBeGreaterThan(0);
    expect(store.capabilities.maxValueBytes).toBeLessThan(64 * 1024);
  });
});
