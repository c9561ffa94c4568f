// What Nest does with the provider, done by hand: resolve the injected config, call
// the factory, use the service, and run the shutdown hook `app.close()` would run.
// In a Nest app the same provider goes in a module:
//
//   @Module({ providers: [AppConfig, cacheFromConfig], exports: [CacheService] })
//   export class CacheModule {}
import type { CacheOptions } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisStore } from '@cache/redis';
import { cacheProvider } from './cache.provider.js';

/** Stands in for a config provider (e.g. `ConfigService`). */
class AppConfig {
  readonly redisUrl = process.env.REDIS_URL?.trim() || undefined;
  readonly prefix = process.env.CACHE_PREFIX ?? 'example-nest';
}

const cacheFromConfig = cacheProvider(
  (config: AppConfig): CacheOptions => ({
    store: config.redisUrl
      ? new RedisStore({ url: config.redisUrl, prefix: config.prefix })
      : new MemoryStore(),
    defaultTtl: '10m',
  }),
  [AppConfig],
);

const config = new AppConfig();
const service = await cacheFromConfig.useFactory(config);
console.log(`provider built (store: ${config.redisUrl ? 'redis' : 'memory'})`);

let loads = 0;
const loadUser = () => {
  loads++;
  return { id: 42, name: 'Ada' };
};
for (let i = 0; i < 2; i++) await service.cache.remember('user:42', '1m', loadUser);
console.log(`remember(user:42) twice: ${loads} load(s)`);

await service.onApplicationShutdown();
console.log('cache closed by onApplicationShutdown');
