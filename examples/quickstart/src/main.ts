// Quick start: one Cache over the in-memory store. Swap `new MemoryStore()` for
// `new RedisStore({ url, prefix })`, `new PostgresStore({ connectionString, prefix })`, … and
// nothing else changes.
import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';

const cache = new Cache({ store: new MemoryStore({ maxEntries: 10_000 }), defaultTtl: '10m' });
const step = (what: string, result: unknown): void =>
  console.log(`${what.padEnd(48)} → ${JSON.stringify(result)}`);

// 1. Plain values, TTLs in ms or duration strings.
await cache.set('greeting', { text: 'hello' }, '5m');
step("set('greeting') then get('greeting')", await cache.get('greeting'));
step("get('missing')", (await cache.get('missing')) ?? 'undefined (a miss)');

// 2. Read-through with singleflight: three concurrent callers, one factory call.
let loads = 0;
const loadUser = async () => {
  loads++;
  await new Promise((resolve) => setTimeout(resolve, 20)); // pretend to query a database
  return { id: 42, name: 'Ada' };
};
const users = await Promise.all([1, 2, 3].map(() => cache.remember('user:42', '1m', loadUser)));
step('remember(user:42) × 3 concurrent callers', { value: users[0], factoryCalls: loads });

// 3. Fail-safe: when the source fails, serve the last good value, marked stale.
await cache.rememberStale('price', 10, '1h', () => 9.99);
await new Promise((resolve) => setTimeout(resolve, 20)); // let the fresh period (10 ms) pass
const fallback = await cache.rememberStale('price', 10, '1h', () => {
  throw new Error('pricing service down');
});
step('rememberStale(price) while the source is down', fallback);

// 4. Counters and rate limiting.
await cache.increment('visits');
step("increment('visits') twice", await cache.increment('visits'));
const limits = [];
for (let i = 0; i < 3; i++) limits.push((await cache.rateLimit('api:alice', 2, '1m')).allowed);
step('rateLimit(api:alice, 2 per minute) × 3', limits);

// 5. Owner-safe locks.
const lock = await cache.tryLock('nightly-job', '30s');
step('tryLock(nightly-job)', lock ? 'acquired' : 'busy');
step(
  'tryLock(nightly-job) again while held',
  (await cache.tryLock('nightly-job', '30s')) ? 'acquired' : 'busy',
);
step('release()', await lock?.release());

// 6. Tags and namespaces: invalidate a group of entries, or one namespace, in O(1).
await cache.set('order:1', { total: 12 }, '1h', { tags: ['user:42'] });
await cache.set('order:2', { total: 30 }, '1h', { tags: ['user:7'] });
await cache.deleteByTag('user:42');
const orders = await cache.getMany(['order:1', 'order:2']);
step(
  "deleteByTag('user:42'), then order:1, order:2",
  orders.map((o) => o ?? 'undefined (deleted)'),
);
const products = cache.namespace('products');
await products.set('p1', 'kettle', '1h');
await cache.namespace('sessions').set('s1', 'alice', '1h');
await products.flush();
step("namespace('products').flush(), then p1, s1", [
  (await products.get('p1')) ?? 'undefined (flushed)',
  await cache.namespace('sessions').get('s1'),
]);

await cache.close();
console.log('quick start finished');
