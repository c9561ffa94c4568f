// A child process of cross-process-sql.test.ts: builds a Cache over the built
// @cache/postgres or @cache/mysql dist (the store owns its pool), connects, says
// "ready", waits for "go" so that every child starts at once, increments one
// counter `count` times with `concurrency` calls in flight, and sends back every
// value it got.
import { Cache } from '@cache/core';

async function createStore({ driver, address, table, prefix }) {
  if (driver === 'postgres') {
    const { PostgresStore } = await import('@cache/postgres');
    return new PostgresStore({ connectionString: address, table, prefix });
  }
  if (driver === 'mysql') {
    const { MysqlStore } = await import('@cache/mysql');
    return new MysqlStore({ uri: address, table, prefix });
  }
  throw new Error(`unknown driver ${driver}`);
}

process.once('message', async (job) => {
  const cache = new Cache({ store: await createStore(job) });
  try {
    // Open connections (up to `concurrency` of them) before the start signal.
    await Promise.all(Array.from({ length: job.concurrency }, () => cache.get('warm-up')));
    process.send({ type: 'ready' });
    await new Promise((resolve) => process.once('message', resolve));
    const results = new Array(job.count);
    let next = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (next < job.count) {
          const index = next++;
          results[index] = await cache.increment(job.key, 1, '5m');
        }
      }),
    );
    process.send({ type: 'result', results });
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  } finally {
    await cache.close();
    process.disconnect();
  }
});
