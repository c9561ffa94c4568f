import { createRequire } from 'node:module';
import { ConfigError } from '@cache/core';
import type { Client } from 'memjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_VALUE_BYTES,
  MemcachedStore,
  type MemcachedStoreOptions,
  SUPPORTED_MEMJS_RANGE,
} from '../src/index.js';

// No server: constructing a store sends nothing, and these stores are never used.
const OFFLINE = ['127.0.0.1:1'];
const stores: MemcachedStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function create(options: Record<string, unknown>): MemcachedStore {
  const store = new MemcachedStore({ servers: OFFLINE, ...options } as unknown as MemcachedStoreOptions);
  stores.push(store);
  return store;
}

function configError(options: Record<string, unknown>): ConfigError {
  try {
    create(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(options)}`);
}

describe('MemcachedStore options', () => {
  it('requires a prefix: a memcached server is shared', () => {
    expect(configError({}).message).toMatch(/needs a prefix/);
    expect(configError({ prefix: undefined }).message).toMatch(/needs a prefix/);
  });

  it('refuses prefixes that are empty, not strings, not well-formed or not printable ASCII', () => {
    for (const prefix of ['', 42, 'has space', 'tab\t', 'ключ', 'x'.repeat(65)]) configError({ prefix });
    expect(configError({ prefix: 'lone\uD800' }).message).toMatch(/surrogate/);
  });

  it('refuses the renamed options timeoutMs and maxItemBytes, naming their new names', () => {
    expect(configError({ prefix: 'p', timeoutMs: 500 }).message).toMatch(
      /"timeoutMs" is now called "timeout"/,
    );
    expect(configError({ prefix: 'p', maxItemBytes: 2 ** 21 }).message).toMatch(
      /"maxItemBytes" is now called "maxValueBytes"/,
    );
  });

  it('takes timeout as a Duration and hands it to the memjs client it creates', () => {
    const seconds = (store: MemcachedStore) => store.client.servers[0]?.options.timeout;
    expect(seconds(create({ prefix: 'p', timeout: '2.5s' }))).toBe(2.5);
    expect(seconds(create({ prefix: 'p', timeout: 300 }))).toBe(0.3);
    expect(seconds(create({ prefix: 'p' })), 'default 1 s').toBe(1);
    for (const timeout of [0, -1, '5 parsecs', Number.NaN, 2 ** 31]) configError({ prefix: 'p', timeout });
  });

  it('advertises maxValueBytes as its value cap (default: a 1 MiB item minus 16 KiB)', () => {
    expect(create({ prefix: 'p' }).capabilities.maxValueBytes).toBe(DEFAULT_MAX_VALUE_BYTES);
    expect(DEFAULT_MAX_VALUE_BYTES).toBe(1024 * 1024 - 16 * 1024);
    expect(create({ prefix: 'p', maxValueBytes: 2_000_000 }).capabilities.maxValueBytes).toBe(2_000_000);
    for (const maxValueBytes of [0, -5, 1.5]) configError({ prefix: 'p', maxValueBytes });
  });

  it('refuses other invalid configuration with ConfigError', () => {
    configError({ prefix: 'p', servers: [] });
    configError({ prefix: 'p', servers: ['a b:1'] });
    configError({ prefix: 'p', maxCasAttempts: 0 });
  });
});

describe('memjs version', () => {
  const require = createRequire(import.meta.url);
  const manifest = require('../package.json') as {
    peerDependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('runs against exactly the memjs version the package pins, inside the supported range', () => {
    const loaded = (require('memjs/package.json') as { version: string }).version;
    expect(manifest.peerDependencies.memjs, 'peer range').toBe(SUPPORTED_MEMJS_RANGE);
    // The devDependency is exact, so the lockfile and CI test that version and no other.
    expect(manifest.devDependencies.memjs, 'devDependency').toMatch(/^\d+\.\d+\.\d+$/);
    expect(loaded, 'memjs loaded by the tests').toBe(manifest.devDependencies.memjs);
    const [major, minor, patch] = SUPPORTED_MEMJS_RANGE.replace('~', '').split('.').map(Number);
    const [lMajor, lMinor, lPatch] = loaded.split('.').map(Number);
    expect(lMajor === major && lMinor === minor && (lPatch as number) >= (patch as number), loaded).toBe(
      true,
    );
  });

  it('refuses a client without the memjs internals it speaks the protocol through', () => {
    const server = { write() {}, responseHandler() {}, error() {}, options: {} };
    const fake = { server() {}, incrSeq() {}, seq: 0, servers: [server], close() {} };
    const error = configError({ prefix: 'p', client: fake as unknown as Client });
    expect(error.message).toContain('Server#requestTimeouts');
    expect(error.message).toContain(SUPPORTED_MEMJS_RANGE);
    expect(configError({ prefix: 'p', client: {} as Client }).message).toContain('Client#server()');
    // With the missing piece present, the same client is accepted.
    create({ prefix: 'p', client: { ...fake, servers: [{ ...server, requestTimeouts: [] }] } });
  });
});
