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

await cache.close();
console.log('quick start finished');
