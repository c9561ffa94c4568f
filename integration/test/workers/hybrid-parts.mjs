// Builds the parts of a node for the hybrid and distributed suites
// (test/support/hybrid-workers.ts): the shared store (L2) over the built dist of a
// driver, an optional L1, an optional bus, and a store wrapper that counts reads.
import { Cache } from '@cache/core';

/** The store a node shares with the others; `scope` is the NATS bucket or the DynamoDB / SQL table. */
export async function createStore({ driver, address, prefix, scope, options = {} }) {
  switch (driver) {
    case 'redis': {
      const { RedisStore } = await import('@cache/redis');
      return new RedisStore({ url: address, prefix, ...options });
    }
    case 'memcached': {
      const { MemcachedStore } = await import('@cache/memcached');
      return new MemcachedStore({ servers: address.split(','), prefix, ...options });
    }
    case 'nats': {
      const { NatsStore } = await import('@cache/nats');
      return new NatsStore({ servers: address.split(','), bucket: scope, prefix, ...options });
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
        ...options,
      });
    }
    case 'postgres': {
      const { PostgresStore } = await import('@cache/postgres');
      return new PostgresStore({ connectionString: address, table: scope, prefix, ...options });
    }
    case 'mysql': {
      const { MysqlStore } = await import('@cache/mysql');
      return new MysqlStore({ uri: address, table: scope, prefix, ...options });
    }
    default:
      throw new Error(`unknown driver ${driver}`);
  }
}

/** The coherence bus of a node: `kind` is 'redis' (address: a URL) or 'nats' (address: servers). */
export async function createBus({ kind, address, channel }) {
  switch (kind) {
    case 'redis': {
      const { RedisBus } = await import('@cache/redis');
      return new RedisBus({ url: address, channel });
    }
    case 'nats': {
      const { NatsBus } = await import('@cache/nats');
      return new NatsBus({ servers: address.split(','), channel });
    }
    default:
      throw new Error(`unknown bus ${kind}`);
  }
}

/** Read operations of the Store contract: what "L2 reads" counts. */
const READS = new Set(['get', 'getMany']);

/**
 * `store` behind a proxy that counts its read calls in `counter.reads` (methods are
 * bound to the real store, whose private fields a proxy receiver could not reach).
 */
export function countingReads(store, counter) {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (READS.has(property)) {
        return (...args) => {
          counter.reads++;
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

/**
 * One node: a Cache over the job's store, with an L1 and a bus when the job asks.
 * Resolves `{ cache, bus, counter }` (`counter.reads`: L2 reads so far).
 */
export async function createNode(job) {
  const counter = { reads: 0 };
  const store = countingReads(await createStore(job.store), counter);
  let l1;
  if (job.l1 !== undefined) {
    const { MemoryStore } = await import('@cache/memory');
    l1 = new MemoryStore();
  }
  const bus = job.bus === undefined ? undefined : await createBus(job.bus);
  const cache = new Cache({
    store,
    ...(l1 === undefined ? {} : { l1, l1Ttl: job.l1.ttl ?? '30s' }),
    ...(bus === undefined ? {} : { bus }),
    ...(job.circuitBreaker === undefined ? {} : { circuitBreaker: job.circuitBreaker }),
  });
  return { cache, bus, counter };
}
