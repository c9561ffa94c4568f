/**
 * Each compared library built the way its documentation sets it up for a workload,
 * behind one small adapter so that every workload drives all three through the same
 * calls (the adapter's closure costs each library the same few ns).
 *
 * - this library: `Cache` over `MemoryStore` / `RedisStore` (+ `MemoryStore` L1 and
 *   `RedisBus` for the tiered workload);
 * - BentoCache: a `bentostore()` with its memory driver as L1, or its redis driver as
 *   L2 (ioredis), or both plus its redis bus;
 * - cache-manager 7: `createCache()` over Keyv stores: its default in-process Keyv,
 *   `@keyv/redis` (node-redis), or both as a multi-store.
 *
 * @packageDocumentation
 */

import { readFileSync } from 'node:fs';
import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisBus, RedisStore } from '@cache/redis';
import { createKeyv } from '@keyv/redis';
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { TTL_MS } from '../fixtures.js';
import type { LibraryId } from './figures.js';

/** A compared library (not the optimum). */
export type Library = Exclude<LibraryId, 'optimum'>;

/** In the order tables and charts list them. */
export const LIBRARIES: readonly Library[] = ['cache', 'bentocache', 'cache-manager'];

/** Every call a workload makes, the same for each library. TTLs are {@link TTL_MS}. */
export interface Peer {
  readonly library: Library;
  readonly get: (key: string) => Promise<unknown>;
  readonly set: (key: string, value: unknown) => Promise<unknown>;
  /** Read-through: ours `remember`, BentoCache `getOrSet`, cache-manager `wrap`. */
  readonly remember: (key: string, factory: () => Promise<unknown>) => Promise<unknown>;
  readonly close: () => Promise<void>;
}

/** One of each library, configured alike. */
export type Peers = Readonly<Record<Library, Peer>>;

/** Installed versions of the compared packages (read from their package.json). */
export function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['@cache/core', 'bentocache', 'cache-manager', 'keyv', '@keyv/redis', 'ioredis']) {
    const file = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    out[name] = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return out;
}

function ours(cache: Cache, distributed = false, after: () => Promise<void> = async () => {}): Peer {
  const options = distributed ? { distributed: true } : {};
  return {
    library: 'cache',
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value, TTL_MS),
    remember: (key, factory) => cache.remember(key, TTL_MS, factory, options),
    close: async () => {
      await cache.close();
      await after();
    },
  };
}

function bento(cache: BentoCache<Record<string, ReturnType<typeof bentostore>>>): Peer {
  return {
    library: 'bentocache',
    get: (key) => cache.get({ key }),
    set: (key, value) => cache.set({ key, value, ttl: TTL_MS }),
    remember: (key, factory) => cache.getOrSet({ key, ttl: TTL_MS, factory }),
    close: () => cache.disconnect(),
  };
}

function manager(cache: ReturnType<typeof createCache>): Peer {
  return {
    library: 'cache-manager',
    get: (key) => cache.get(key),
    set: (key, value) => cache.set(key, value, TTL_MS),
    remember: (key, factory) => cache.wrap(key, factory, TTL_MS),
    close: async () => {
      await cache.disconnect();
    },
  };
}

/**
 * lru-cache 11 as a Keyv store. Keyv calls `store.set(key, value, ttl)` with the TTL
 * as a number; lru-cache 11 takes `{ ttl }` there and throws on a number, which Keyv
 * swallows: passed directly (as cache-manager's README shows it), it stores nothing.
 */
function keyvLru(max: number) {
  const lru = new LRUCache<string, {}>({ max });
  return {
    get: (key: string) => lru.get(key),
    set: (key: string, value: {}, ttl?: number) => lru.set(key, value, ttl === undefined ? {} : { ttl }),
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    has: (key: string) => lru.has(key),
  };
}

/** Options of {@link memoryPeer}. */
export interface MemoryPeerOptions {
  /** Most entries each cache keeps. Default: each library's own default. */
  readonly capacity?: number;
  /** BentoCache's memory driver `serialize` option (its default: `true`). */
  readonly serialize?: boolean;
}

/**
 * An in-process cache. With a capacity, ours has `maxEntries`, BentoCache's memory
 * driver `maxItems`, and cache-manager a Keyv over an lru-cache of `max` entries (its
 * default Keyv store is an unbounded Map, so it needs one to be bounded at all).
 */
export function memoryPeer(library: Library, { capacity, serialize }: MemoryPeerOptions = {}): Peer {
  switch (library) {
    case 'cache':
      return ours(
        new Cache({ store: new MemoryStore(capacity === undefined ? {} : { maxEntries: capacity }) }),
      );
    case 'bentocache':
      return bento(
        new BentoCache({
          default: 'memory',
          stores: {
            memory: bentostore().useL1Layer(
              memoryDriver({
                ...(capacity === undefined ? {} : { maxItems: capacity }),
                ...(serialize === undefined ? {} : { serialize }),
              }),
            ),
          },
        }),
      );
    case 'cache-manager':
      return manager(
        capacity === undefined
          ? createCache()
          : createCache({ stores: [new Keyv({ store: keyvLru(capacity) })] }),
      );
  }
}

/** The ioredis options of a `redis://host:port` URL (BentoCache takes those, not a URL). */
function ioredisOptions(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

/** Options of {@link redisPeers}. */
export interface RedisPeersOptions {
  /** Ours: `remember(…, { distributed: true })` (a lease in Redis, waiters poll). */
  readonly distributed?: boolean;
}

/**
 * Redis only, no in-process tier: ours `RedisStore`, BentoCache its redis driver as
 * L2 without L1 or bus, cache-manager one `@keyv/redis` store. Each with its own
 * connection(s) and key prefix.
 */
export function redisPeers(url: string, prefix: string, { distributed }: RedisPeersOptions = {}): Peers {
  return {
    cache: ours(new Cache({ store: new RedisStore({ url, prefix: `${prefix}-cache` }) }), distributed),
    bentocache: bento(
      new BentoCache({
        default: 'redis',
        prefix: `${prefix}-bento`,
        stores: { redis: bentostore().useL2Layer(redisDriver({ connection: ioredisOptions(url) })) },
      }),
    ),
    'cache-manager': manager(createCache({ stores: [createKeyv(url, { namespace: `${prefix}-cm` })] })),
  };
}

/** Options of {@link tieredPeers}. */
export interface TieredPeersOptions {
  /**
   * `false`: BentoCache's memory L1 with `serialize: false`, cache-manager's L1 Keyv
   * without its JSON serializer (as `createCache()` sets up its own default store).
   * Default: both libraries' defaults, which serialize.
   */
  readonly serialize?: boolean;
}

/**
 * L1 + L2 + invalidation: ours `MemoryStore` L1 + `RedisStore` + `RedisBus`;
 * BentoCache memory L1 + redis L2 + redis bus; cache-manager a multi-store
 * `[new Keyv(), @keyv/redis]` as its README shows it (cache-manager has no bus).
 */
export function tieredPeers(url: string, prefix: string, { serialize }: TieredPeersOptions = {}): Peers {
  const bus = new RedisBus({ url, channel: `${prefix}-cache-bus` });
  const connection = ioredisOptions(url);
  const l1 = new Keyv();
  if (serialize === false) {
    l1.serialize = undefined;
    l1.deserialize = undefined;
  }
  return {
    cache: ours(
      new Cache({ store: new RedisStore({ url, prefix: `${prefix}-cache` }), l1: new MemoryStore(), bus }),
      false,
      () => bus.close(),
    ),
    bentocache: bento(
      new BentoCache({
        default: 'tiered',
        prefix: `${prefix}-bento`,
        stores: {
          tiered: bentostore()
            .useL1Layer(memoryDriver(serialize === undefined ? {} : { serialize }))
            .useL2Layer(redisDriver({ connection }))
            .useBus(redisBusDriver({ connection })),
        },
      }),
    ),
    'cache-manager': manager(createCache({ stores: [l1, createKeyv(url, { namespace: `${prefix}-cm` })] })),
  };
}

/** How each library is set up, in words, per builder (for the report). */
export const SETUP = {
  memory: {
    cache: 'new Cache({ store: new MemoryStore() }) (W-TinyLFU, by reference)',
    bentocache: 'bentostore().useL1Layer(memoryDriver()) (lru-cache, serialize: true by default)',
    'cache-manager': 'createCache() (its default Keyv over a Map, no serialization)',
  },
  redis: {
    cache: 'new Cache({ store: new RedisStore({ url }) }) (ioredis)',
    bentocache: 'bentostore().useL2Layer(redisDriver({ connection })) (ioredis; no L1, no bus)',
    'cache-manager': 'createCache({ stores: [createKeyv(url)] }) (@keyv/redis over node-redis)',
  },
  tiered: {
    cache: 'new Cache({ store: RedisStore, l1: new MemoryStore(), bus: new RedisBus() })',
    bentocache: 'bentostore().useL1Layer(memoryDriver()).useL2Layer(redisDriver()).useBus(redisBusDriver())',
    'cache-manager': 'createCache({ stores: [new Keyv(), createKeyv(url)] }) (no bus exists)',
  },
} as const;
