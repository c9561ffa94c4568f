import { fileURLToPath } from 'node:url';
import { Cache } from '@cache/core';
import { RedisStore } from '@cache/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend, type RunningExample, startExample } from '../../test-support/entry-point.js';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));

interface Stats {
  readonly cache: { readonly hits: number; readonly misses: number };
  readonly db: { readonly queries: number };
}

/** The example's behaviour over HTTP, whatever store `env` selects. */
function exampleSuite(env: Record<string, string | undefined>): void {
  let app: RunningExample;
  const get = (path: string) => fetch(`${app.url}${path}`);
  const post = (path: string, body?: unknown) =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const stats = async (): Promise<Stats> => (await (await get('/stats')).json()) as Stats;

  beforeAll(async () => {
    app = await startExample(EXAMPLE_DIR, env);
  });
  afterAll(async () => {
    // Only when a test failed before stopping it.
    if (app !== undefined) await app.stop('SIGKILL');
  });

  it('serves the second read from the cache without a query', async () => {
    const first = await get('/products/1');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(await first.json()).toEqual({ id: '1', name: 'Kettle', price: 29.9 });
    const queries = (await stats()).db.queries;

    const second = await get('/products/1');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await second.json()).toEqual({ id: '1', name: 'Kettle', price: 29.9 });
    expect((await stats()).db.queries).toBe(queries);
  });

  it('re-queries a product after its update and keeps the others cached', async () => {
    expect((await get('/products/2')).headers.get('x-cache')).toBe('miss');
    const updated = await post('/products/1', { price: 24.9 });
    expect(await updated.json()).toEqual({ id: '1', name: 'Kettle', price: 24.9 });
    const queries = (await stats()).db.queries;

    const after = await get('/products/1');
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(await after.json()).toEqual({ id: '1', name: 'Kettle', price: 24.9 });
    expect((await stats()).db.queries).toBe(queries + 1);
    // deleteByTag('product:1') left product 2's entry alone.
    expect((await get('/products/2')).headers.get('x-cache')).toBe('hit');
  });

  it('invalidates every product when the catalog is flushed', async () => {
    expect((await get('/products/3')).headers.get('x-cache')).not.toBeNull();
    expect((await post('/admin/flush-catalog')).status).toBe(204);
    for (const id of ['1', '2', '3'])
      expect((await get(`/products/${id}`)).headers.get('x-cache')).toBe('miss');
    for (const id of ['1', '2', '3'])
      expect((await get(`/products/${id}`)).headers.get('x-cache')).toBe('hit');
  });

  it('counts each hit and miss in /stats', async () => {
    const before = await stats();
    await get('/products/2'); // hit (cached by the previous test)
    await get('/products/404'); // miss: unknown ids are not cached
    await get('/products/404'); // miss again
    const after = await stats();
    expect(after.cache.hits - before.cache.hits).toBe(1);
    expect(after.cache.misses - before.cache.misses).toBe(2);
    expect(after.db.queries - before.db.queries).toBe(2);
  });

  it('rejects bad input before touching cache or db', async () => {
    const before = await stats();
    expect((await get('/products/a:b')).status).toBe(400);
    expect((await post('/products/1', { price: 'free' })).status).toBe(400);
    expect(await stats()).toEqual(before);
  });

  it('closes the server and the cache on SIGTERM and exits by itself', async () => {
    const ended = await app.stop('SIGTERM');
    expect(ended).toEqual({ code: 0, signal: null });
    expect(app.output()).toMatch(/SIGTERM: closing\nclosed\n/);
  });
}

describe('express example over the memory store', () => {
  exampleSuite({ REDIS_URL: undefined });
});

describeBackend('redis', (address) => {
  // A prefix of this run's own, removed afterwards, so runs never see each other's entries.
  const prefix = `example-express-test-${process.pid}-${Date.now()}`;
  afterAll(async () => {
    const cache = new Cache({ store: new RedisStore({ url: address, prefix }) });
    await cache.flush();
    await cache.close();
  });
  describe('express example over Redis', () => {
    exampleSuite({ REDIS_URL: address, CACHE_PREFIX: prefix });
  });
});
