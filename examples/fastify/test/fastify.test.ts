import { fileURLToPath } from 'node:url';
import { StoreClosedError } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningExample, startExample } from '../../test-support/entry-point.js';
import { buildServer } from '../src/server.js';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('fastify example (pnpm start, memory store)', () => {
  let app: RunningExample;
  const report = async (tenant: string, name = 'daily') => {
    const response = await fetch(`${app.url}/reports/${name}`, { headers: { 'x-tenant': tenant } });
    return { status: response.status, cache: response.headers.get('x-cache'), body: await response.json() };
  };

  beforeAll(async () => {
    app = await startExample(EXAMPLE_DIR, { REDIS_URL: undefined });
  });
  afterAll(async () => {
    // Only when a test failed before stopping it.
    if (app !== undefined) await app.stop('SIGKILL');
  });

  it('computes once per tenant and serves the rest from the cache', async () => {
    expect(await report('acme')).toEqual({
      status: 200,
      cache: 'miss',
      body: { tenant: 'acme', name: 'daily', build: 1 },
    });
    expect(await report('acme')).toMatchObject({ cache: 'hit', body: { tenant: 'acme', build: 1 } });
  });

  it("never serves one tenant another tenant's entry under the same key", async () => {
    expect(await report('globex')).toMatchObject({ cache: 'miss', body: { tenant: 'globex', build: 1 } });
    expect(await report('globex')).toMatchObject({ cache: 'hit', body: { tenant: 'globex', build: 1 } });
    expect(await report('acme')).toMatchObject({ cache: 'hit', body: { tenant: 'acme', build: 1 } });
  });

  it("flushes only the named tenant's namespace", async () => {
    await report('acme', 'weekly');
    const flushed = await fetch(`${app.url}/tenants/acme/cache`, { method: 'DELETE' });
    expect(flushed.status).toBe(204);
    expect(await report('acme')).toMatchObject({ cache: 'miss', body: { tenant: 'acme', build: 3 } });
    expect(await report('acme', 'weekly')).toMatchObject({ cache: 'miss', body: { build: 4 } });
    expect(await report('globex')).toMatchObject({ cache: 'hit', body: { tenant: 'globex', build: 1 } });
  });

  it('answers 400 to a missing or malformed tenant', async () => {
    expect((await fetch(`${app.url}/reports/daily`)).status).toBe(400);
    expect((await report('Not A Tenant')).status).toBe(400);
    expect((await fetch(`${app.url}/tenants/a:b/cache`, { method: 'DELETE' })).status).toBe(400);
  });

  it('closes the server and the cache on SIGTERM and exits by itself', async () => {
    expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(app.output()).toMatch(/SIGTERM: closing\nclosed\n/);
  });
});

describe('cache plugin (in process)', () => {
  it('decorates fastify.cache and closes it with the server', async () => {
    const server = await buildServer({ store: new MemoryStore() });
    await server.ready();
    const { cache } = server;
    await cache.set('greeting', 'hello', '1m');
    expect(await cache.get('greeting')).toBe('hello');

    await server.close();
    await expect(cache.get('greeting')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(cache.namespace('acme').get('greeting')).rejects.toBeInstanceOf(StoreClosedError);
  });
});
