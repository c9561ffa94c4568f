// A child process of cross-process.test.ts: builds a Cache over the built driver
// dist named in its first message, reports "ready", waits for "go" (so all
// children start together), runs one task and reports the results.
import { Cache } from '@cache/core';

async function createStore(driver, address, prefix) {
  if (driver === 'redis') {
    const { RedisStore } = await import('@cache/redis');
    return new RedisStore({ url: address, prefix });
  }
  if (driver === 'memcached') {
    const { MemcachedStore } = await import('@cache/memcached');
    return new MemcachedStore({ servers: address.split(','), prefix });
  }
  throw new Error(`unknown driver ${driver}`);
}

/** Runs `count` calls of `call` with at most `concurrency` in flight; resolves their results in call order. */
async function runConcurrently(count, concurrency, call) {
  const results = new Array(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const index = next++;
      results[index] = await call(index);
    }
  });
  await Promise.all(lanes);
  return results;
}

const tasks = {
  async increment(cache, { key, count, concurrency }) {
    return runConcurrently(count, concurrency, () => cache.increment(key, 1, '5m'));
  },
  async lock(cache, { key, attempts }) {
    const locks = await Promise.all(Array.from({ length: attempts }, () => cache.tryLock(key, '1m')));
    return locks.filter((lock) => lock !== undefined).map((lock) => lock.token);
  },
};

process.once('message', async (job) => {
  const store = await createStore(job.driver, job.address, job.prefix);
  const cache = new Cache({ store });
  // Open the connection before the start signal so that all children race fairly.
  await cache.get('warm-up');
  process.send({ type: 'ready' });
  process.once('message', async () => {
    try {
      const results = await tasks[job.task](cache, job.params);
      process.send({ type: 'result', results });
    } catch (error) {
      process.send({ type: 'error', message: String(error?.stack ?? error) });
    } finally {
      await cache.close();
      process.disconnect();
    }
  });
});
