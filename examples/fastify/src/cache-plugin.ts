import { Cache, type CacheOptions } from '@cache/core';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The application's cache, built by {@link cachePlugin}; closed with the server. */
    readonly cache: Cache;
  }
}

/** The plugin's options are the Cache's own: `{ store, defaultTtl, … }`. */
export type CachePluginOptions = CacheOptions;

/**
 * Builds one `Cache` from the plugin options, exposes it as `fastify.cache` and
 * closes it when the server closes (after in-flight requests finished, since
 * `onClose` hooks run once the HTTP server has stopped).
 *
 * Wrapped in `fastify-plugin` so the decorator is visible to the whole app, not
 * only inside this plugin's encapsulation context.
 */
export const cachePlugin = fp<CachePluginOptions>(
  async (fastify, options) => {
    const cache = new Cache(options);
    fastify.decorate('cache', cache);
    fastify.addHook('onClose', async () => {
      await cache.close();
    });
  },
  { name: 'cache', fastify: '5.x' },
);
