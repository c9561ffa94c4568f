// The composition root: choose the store from the environment, build the cache and
// the app, listen, and shut down cleanly on SIGTERM/SIGINT.
import { Cache, type Store } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisStore } from '@cache/redis';
import { createApp } from './app.js';
import { ProductDb, SEED_PRODUCTS } from './db.js';

const redisUrl = process.env.REDIS_URL?.trim();
const store: Store = redisUrl
  ? new RedisStore({ url: redisUrl, prefix: process.env.CACHE_PREFIX ?? 'example-express' })
  : new MemoryStore();
const cache = new Cache({ store });
const app = createApp({ cache, db: new ProductDb(SEED_PRODUCTS) });

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3000), host, (error) => {
  if (error) throw error;
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : process.env.PORT;
  console.log(`listening on http://${host}:${port} (store: ${redisUrl ? 'redis' : 'memory'})`);
});

let shuttingDown = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`${signal}: closing`);
  // Stop accepting requests and let the ones in flight finish, and only then close
  // the cache they use. Nothing calls process.exit: the process ends when nothing
  // is left open, which is what proves the cache released its connection.
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  await cache.close();
  console.log('closed');
}
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    shutdown(signal).catch((error: unknown) => {
      console.error('shutdown failed', error);
      process.exitCode = 1;
    });
  });
}
