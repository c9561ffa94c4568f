import { Cache, type CacheOptions } from '@cache/core';

/**
 * Nest's `OnApplicationShutdown` hook, by shape: Nest calls any provider instance
 * that has this method, so no `@nestjs/common` import is needed here.
 */
export interface OnApplicationShutdown {
  onApplicationShutdown(signal?: string): unknown;
}

/**
 * Owns the application's `Cache` for a Nest module: inject it, use `.cache`.
 *
 * It closes the cache in `onApplicationShutdown`, not `onModuleDestroy`: Nest's
 * `app.close()` runs `onModuleDestroy`, then `beforeApplicationShutdown`, then
 * stops the HTTP server (requests in flight finish there), and only then
 * `onApplicationShutdown`. Closing earlier would fail those last requests.
 */
export class CacheService implements OnApplicationShutdown {
  /** @param cache - the cache this service owns and closes */
  constructor(readonly cache: Cache) {}

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
  }
}

/** What Nest accepts as a provider token (its `InjectionToken`, by shape): a class, a string or a symbol. */
export type InjectionToken = string | symbol | Function;

/**
 * A Nest factory provider, by shape (`{ provide, useFactory, inject }`): assignable
 * to Nest's `FactoryProvider`, whose `inject` is a mutable array.
 */
export interface CacheProvider<Deps extends unknown[]> {
  readonly provide: typeof CacheService;
  readonly useFactory: (...deps: Deps) => Promise<CacheService>;
  readonly inject: InjectionToken[];
}

/**
 * The provider to list in a module's `providers`: Nest resolves `inject` (tokens of
 * other providers, such as a config service), passes them to `options` in that
 * order, and builds one `CacheService` from the `CacheOptions` it returns.
 *
 * @param options - builds the cache's options (the store and its connection) from the injected values
 * @param inject - the tokens whose values `options` receives
 */
export function cacheProvider<Deps extends unknown[]>(
  options: (...deps: Deps) => CacheOptions | Promise<CacheOptions>,
  inject: InjectionToken[] = [],
): CacheProvider<Deps> {
  return {
    provide: CacheService,
    useFactory: async (...deps: Deps) => new CacheService(new Cache(await options(...deps))),
    inject,
  };
}
