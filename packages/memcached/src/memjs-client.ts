import { ConfigError } from '@cache/core';
import memjs, { type Client } from 'memjs';
import type { ResolvedMemcachedStoreOptions } from './options.js';

/**
 * The memjs versions this package is tested with: the `peerDependencies` range
 * of its package.json (its `devDependencies` pin the exact version CI runs).
 * The store uses memjs internals (see `assertSupportedClient`), which memjs
 * does not promise to keep across minor versions, hence a patch-level range.
 */
export const SUPPORTED_MEMJS_RANGE = '~1.3.2';

const SILENT_LOGGER = { log(): void {} };

/** Creates the memjs client of a store that owns its connections. */
export function createOwnedClient(resolved: ResolvedMemcachedStoreOptions): Client {
  const seconds = resolved.timeoutMs / 1000;
  return memjs.Client.create(resolved.servers.join(','), {
    logger: SILENT_LOGGER,
    timeout: seconds,
    conntimeout: seconds,
    keepAlive: true,
    ...resolved.clientOptions,
    // The store never goes through memjs's retrying `perform`; these only keep
    // direct use of `store.client` from resending requests or moving keys.
    retries: 1,
    failover: false,
  });
}

/**
 * Refuses a memjs whose internals differ from those this store speaks the binary
 * protocol through (`Client#server`, `#incrSeq`, `#seq`, `#servers`,
 * `Server#write/responseHandler/error`, `#requestTimeouts`, `#options`,
 * `memjs.Utils.timestamp`). A memjs that changed them would otherwise fail in
 * obscure ways on the first request, or silently mis-account timeouts.
 *
 * @throws `ConfigError` naming what is missing and the supported range.
 */
export function assertSupportedClient(client: Client): void {
  const missing: string[] = [];
  const has = (owner: unknown, name: string, type: 'function' | 'number' | 'object'): boolean =>
    owner !== null && typeof owner === 'object' && typeof (owner as Record<string, unknown>)[name] === type;
  if (typeof (memjs as { Utils?: { timestamp?: unknown } }).Utils?.timestamp !== 'function') {
    missing.push('memjs.Utils.timestamp()');
  }
  if (!has(client, 'server', 'function')) missing.push('Client#server()');
  if (!has(client, 'incrSeq', 'function')) missing.push('Client#incrSeq()');
  if (!has(client, 'seq', 'number')) missing.push('Client#seq');
  const servers: unknown = (client as { servers?: unknown } | null)?.servers;
  if (!Array.isArray(servers)) missing.push('Client#servers');
  else {
    for (const server of servers as unknown[]) {
      for (const method of ['write', 'responseHandler', 'error'] as const) {
        if (!has(server, method, 'function')) missing.push(`Server#${method}()`);
      }
      if (!Array.isArray((server as { requestTimeouts?: unknown } | null)?.requestTimeouts)) {
        missing.push('Server#requestTimeouts');
      }
      if (!has(server, 'options', 'object')) missing.push('Server#options');
      if (missing.length > 0) break;
    }
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `MemcachedStore needs memjs ${SUPPORTED_MEMJS_RANGE}: this memjs client lacks ${[
        ...new Set(missing),
      ].join(', ')}`,
    );
  }
}
