/**
 * Memory store benchmark: the cost of a cache hit and a cache write through the
 * `Cache` facade on a `MemoryStore`, next to the raw data structures it is built on
 * and to `JSON.parse` (what a hit would cost if values were stored as bytes).
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench`.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { LRUCache } from 'lru-cache';
import { type MeasureResult, environmentLine, measure, printTable, resultRow } from './harness.js';
import { type User, USER, USER_JSON } from './fixtures.js';

/** Median targets from the issue, ns/op. */
const TARGETS: Readonly<Record<string, number>> = {
  'cache.get<T> hit': 340,
  'cache.set': 1_000,
};

const KEY = 'user:48213';
const MISSING = 'user:missing';
const TTL = '5m';

const map = new Map<string, User>([[KEY, USER]]);
const lru = new LRUCache<string, User>({ max: 50_000 });
lru.set(KEY, USER);
const store = new MemoryStore();
store.putValue(KEY, USER, 0);
const cache = new Cache({ store: new MemoryStore() });
await cache.set(KEY, USER, TTL);
const copyCache = new Cache({ store: new MemoryStore({ values: 'copy' }) });
await copyCache.set(KEY, USER, TTL);
const smallCache = new Cache({ store: new MemoryStore({ maxEntries: 1_024 }) });
const loadUser = () => USER;

// Writes use a small rotating key set so that they overwrite (the steady state of a
// warm cache) rather than grow the map for the whole run.
const writeKeys = Array.from({ length: 1024 }, (_, i) => `user:${i}`);
let w = 0;
const nextWriteKey = () => {
  w = (w + 1) & 1023;
  return writeKeys[w]!;
};
// 64 Ki distinct keys through a 1,024-entry store: every write inserts and evicts.
const evictKeys = Array.from({ length: 65_536 }, (_, i) => `user:${i}`);
let e = 0;
const nextEvictKey = () => {
  e = (e + 1) & 65_535;
  return evictKeys[e]!;
};

const results: MeasureResult[] = [];
const run = async (name: string, fn: () => unknown) => {
  results.push(await measure(name, fn));
};

await run('Map.get (raw)', () => map.get(KEY));
await run('lru-cache get', () => lru.get(KEY));
await run('MemoryStore.peekValue', () => store.peekValue(KEY));
await run('cache.get<T> hit', () => cache.get<User>(KEY));
await run('cache.get<T> miss', () => cache.get<User>(MISSING));
await run("cache.get<T> hit, values: 'copy'", () => copyCache.get<User>(KEY));
await run('JSON.parse (200 B, reference)', () => JSON.parse(USER_JSON));
await run('Map.set (raw)', () => map.set(nextWriteKey(), USER));
await run('lru-cache set', () => lru.set(nextWriteKey(), USER));
await run('MemoryStore.putValue', () => store.putValue(nextWriteKey(), USER, 300_000));
await run('cache.set', () => cache.set(nextWriteKey(), USER, TTL));
await run('cache.set, new key + LRU eviction', () => smallCache.set(nextEvictKey(), USER, TTL));
await run('cache.remember hit', () => cache.remember(KEY, TTL, loadUser));

await cache.close();
await copyCache.close();
await smallCache.close();
await store.close();

printTable(
  `@cache/memory · ${USER_JSON.length}-byte object · ${environmentLine()}`,
  results.map((result) => {
    const target = TARGETS[result.name];
    return {
      ...resultRow(result),
      target: target === undefined ? '' : `≤ ${target.toLocaleString('en-US')} ns`,
      status: target === undefined ? '' : result.medianNs <= target ? 'ok' : 'over',
    };
  }),
);
