import { randomUUID } from 'node:crypto';
import { canConnect } from '@cache/contract';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisStore, type RedisStoreOptions } from '../src/index.js';

/** The shared Redis every unit test uses (never flushed: each test has its own prefix). */
export const REDIS_URL = process.env.CACHE_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other test or process uses. */
export function uniquePrefix(label = 'redis-unit'): string {
  return `${label}-${randomUUID()}`;
}

const opened: { close(): Promise<unknown> }[] = [];

/** A store the test file closes afterwards (on the shared Redis and a fresh prefix unless told otherwise). */
export function openStore(options: Partial<RedisStoreOptions> = {}): RedisStore {
  const store = new RedisStore({
    ...(options.client === undefined && options.clusterNodes === undefined ? { url: REDIS_URL } : {}),
    ...options,
    prefix: options.prefix ?? uniquePrefix(),
  });
  opened.push(store);
  return store;
}

/** A raw ioredis client the test file closes afterwards. */
export function openRaw(): Redis {
  const client = new Redis(REDIS_URL);
  opened.push({ close: () => client.quit() });
  return client;
}

afterAll(async () => {
  await Promise.allSettled(opened.splice(0).map((resource) => resource.close()));
});

/** UTF-8 bytes of `text`. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Text of `value`. */
export function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs = 2_000,
  stepMs = 10,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}

/**
 * Nodes of the local Redis Cluster (`scripts/services.sh start`), from
 * `CACHE_REDIS_CLUSTER_NODES`; empty when unset and the default ports are closed
 * (the integration package runs the full suite there and fails when it is missing).
 */
export const clusterNodes: string[] = await discoverCluster();

async function discoverCluster(): Promise<string[]> {
  const configured = process.env.CACHE_REDIS_CLUSTER_NODES;
  const nodes = (configured ?? '127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002').split(',').filter(Boolean);
  const [host, port] = (nodes[0] ?? '').split(':');
  const open = await canConnect({ host: host ?? '127.0.0.1', port: Number(port) }, 500);
  return open || configured !== undefined ? nodes : [];
}
