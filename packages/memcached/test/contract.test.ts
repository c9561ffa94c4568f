import { randomBytes } from 'node:crypto';
import { runCacheContract, runStoreContract } from '@cache/contract';
import { afterAll, beforeAll } from 'vitest';
import { MemcachedStore } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';

let server: MemcachedProcess | undefined;

beforeAll(async () => {
  server = await MemcachedProcess.start();
});

afterAll(async () => {
  await server?.kill();
});

function create({ prefix }: { prefix: string }): MemcachedStore {
  if (server === undefined) throw new Error('memcached did not start');
  return new MemcachedStore({ servers: [server.address], prefix });
}

runStoreContract({ name: 'memcached', create });
runCacheContract({ name: 'memcached', create });
runCacheContract({
  name: 'memcached, gzip + AES-256-GCM',
  create,
  cacheOptions: { compression: 'gzip', encryption: { key: randomBytes(32) } },
});
