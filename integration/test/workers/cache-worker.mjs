// A child process of the cross-process suites (test/support/cross-process-suite.ts):
// builds a Cache over the built dist of the driver named in its first message
// (the store owns its connection), opens its connections, reports "ready", waits
// for "go" (so all children start together), runs one task and reports the results.
// A session's worker (`session: true`) then waits for the next "go" (its steps in
// the message), until the parent kills it.
import { Cache } from '@cache/core';

/** `scope` is the NATS bucket or the DynamoDB / SQL table, where the driver has one. */
async function createStore({ driver, address, prefix, scope }) {
  switch (driver) {
    case 'redis': {
      const { RedisStore } = await import('@cache/redis');
      return new RedisStore({ url: address, prefix });
    }
    case 'memcached': {
      const { MemcachedStore } = await import('@cache/memcached');
      return new MemcachedStore({ servers: address.split(','), prefix });
    }
    case 'nats': {
      const { NatsStore } = await import('@cache/nats');
      return new NatsStore({ servers: address.split(','), bucket: scope, prefix });
    }
    case 'dynamodb': {
      const { DynamoStore } = await import('@cache/dynamodb');
      const hasCredentials = (process.env.AWS_ACCESS_KEY_ID ?? '') !== '';
      return new DynamoStore({
        endpoint: address,
        region: process.env.AWS_REGION ?? 'us-east-1',
        ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        table: scope,
        prefix,
      });
    }
    case 'postgres': {
      const { PostgresStore } = await import('@cache/postgres');
      return new PostgresStore({ connectionString: address, table: scope, prefix });
    }
    case 'mysql': {
      const { MysqlStore } = await import('@cache/mysql');
      return new MysqlStore({ uri: address, table: scope, prefix });
    }
    default:
      throw new Error(`unknown driver ${driver}`);
  }
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

/** The cache calls a `steps` task may make, on a view of the worker's cache. */
const calls = {
  get: (view, { key }) => view.get(key),
  getMany: (view, { keys }) => view.getMany(keys),
  set: (view, { key, value, ttl, tags }) =>
    view.set(key, value, ttl, tags === undefined ? undefined : { tags }),
  flush: (view) => view.flush(),
  deleteByTag: (view, { tags }) => view.deleteByTag(tags),
  expireByTag: (view, { tags }) => view.expireByTag(tags),
  clock: () => Date.now(),
};

const tasks = {
  async increment(cache, { key, count, concurrency }) {
    return runConcurrently(count, concurrency, () => cache.increment(key, 1, '5m'));
  },
  async lock(cache, { key, attempts }) {
    const locks = await Promise.all(Array.from({ length: attempts }, () => cache.tryLock(key, '1m')));
    return locks.filter((lock) => lock !== undefined).map((lock) => lock.token);
  },
  /** Runs `steps` in order, each `{ call, ns?, …arguments }` in the namespace path `ns` (none: the root). */
  async steps(cache, { steps }) {
    const results = [];
    for (const step of steps) {
      const view = (step.ns ?? []).reduce((parent, name) => parent.namespace(name), cache);
      // A miss is sent as null: JSON has no undefined.
      results.push((await calls[step.call](view, step)) ?? null);
    }
    return results;
  },
};

process.once('message', async (job) => {
  const cache = new Cache({ store: await createStore(job), ...job.cache });
  try {
    // Open the connections (pools open one per call in flight) before the start
    // signal, so that all children race on the task, not on connecting.
    await Promise.all(Array.from({ length: job.connections ?? 1 }, () => cache.get('warm-up')));
    process.send({ type: 'ready' });
    for (;;) {
      const message = await new Promise((resolve) => process.once('message', resolve));
      const results = await tasks[job.task](cache, message.params ?? job.params);
      process.send({ type: 'result', results });
      if (job.session !== true) break;
    }
  } catch (error) {
    process.send({ type: 'error', message: String(error?.stack ?? error) });
  } finally {
    await cache.close();
    process.disconnect();
  }
});
