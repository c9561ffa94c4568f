// The composition root: choose the store from the environment, build the server,
// listen, and close it (and with it the cache) on SIGTERM/SIGINT.
import type { Store } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisStore } from '@cache/redis';
import { buildServer } from './server.js';

const redisUrl = process.env.REDIS_URL?.trim();
const store: Store = redisUrl
  ? new RedisStore({ url: redisUrl, prefix: process.env.CACHE_PREFIX ?? 'example-fastify' })
  : new MemoryStore();
const app = await buildServer({ store, defaultTtl: '10m' });

const address = await app.listen({
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
});
console.log(`listening on ${address} (store: ${redisUrl ? 'redis' : 'memory'})`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: closing`);
    // app.close() stops the server, waits for requests in flight, then runs the
    // onClose hooks: the cache plugin's closes the cache. No process.exit: the
    // process ends when nothing is left open.
    app.close().then(
      () => console.log('closed'),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exitCode = 1;
      },
    );
  });
}
