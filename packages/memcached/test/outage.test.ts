import { randomBytes } from 'node:crypto';
import { StoreError, utf8 } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemcachedStore } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';

const HOUR = 3_600_000;
const TIMEOUT_MS = 300;
/** What "within the deadline" allows on a loaded two-core machine. */
const SLACK_MS = 700;

let server: MemcachedProcess;

beforeAll(async () => {
  server = await MemcachedProcess.start();
});

afterAll(async () => {
  await server?.kill();
});

function open(): MemcachedStore {
  return new MemcachedStore({
    servers: [server.address],
    prefix: `o_${randomBytes(4).toString('hex')}`,
    timeout: TIMEOUT_MS,
  });
}

/** Every kind of call, each expected to reject with StoreError within the deadline. */
function everyCall(store: MemcachedStore): Record<string, () => Promise<unknown>> {
  return {
    get: () => store.get('k'),
    getMany: () => store.getMany(['k', 'j']),
    set: () => store.set('k', utf8('v'), HOUR),
    setMany: () => store.setMany([{ key: 'k', value: utf8('v'), ttl: HOUR }]),
    add: () => store.add('k2', utf8('v'), HOUR),
    increment: () => store.increment('n', 1, HOUR),
    delete: () => store.delete('k'),
    deleteIfEquals: () => store.deleteIfEquals('k', utf8('v')),
    flush: () => store.flush(),
  };
}

async function expectFailsFast(name: string, call: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  const elapsed = Date.now() - started;
  expect(error, `${name} should reject`).toBeInstanceOf(StoreError);
  expect((error as StoreError).cause, `${name} keeps the cause`).toBeDefined();
  expect(elapsed, `${name} took ${elapsed} ms`).toBeLessThan(TIMEOUT_MS + SLACK_MS);
}

describe('MemcachedStore during outages', () => {
  it('fails every call fast with StoreError while the server is killed, and recovers after a restart', {
    timeout: 15_000,
  }, async () => {
    const store = open();
    try {
      await store.set('k', utf8('v'), HOUR);
      expect(await store.increment('n', 1, HOUR)).toBe(1);
      await server.kill();
      for (const [name, call] of Object.entries(everyCall(store))) await expectFailsFast(name, call);
      // Concurrent calls fail too: none hangs, none is left unhandled.
      const results = await Promise.allSettled(Object.values(everyCall(store)).map((call) => call()));
      expect(results.every((r) => r.status === 'rejected' && r.reason instanceof StoreError)).toBe(true);
      await server.restart();
      await vi.waitFor(() => store.set('k', utf8('back'), HOUR), { interval: 50, timeout: 5000 });
      // The restart lost everything, including the generation: a fresh start, no stale data.
      expect(await store.get('k')).toEqual(utf8('back'));
      expect(await store.increment('n', 1, HOUR)).toBe(1);
      expect(await store.add('lock', utf8('me'), HOUR)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('fails within the deadline while the server hangs (SIGSTOP), and recovers when it resumes', {
    timeout: 15_000,
  }, async () => {
    const store = open();
    try {
      await store.set('k', utf8('v'), HOUR);
      await server.pause();
      try {
        for (const [name, call] of Object.entries(everyCall(store))) await expectFailsFast(name, call);
      } finally {
        server.resume();
      }
      // Requests that timed out may still be applied once the server resumes (the
      // flush among them, which hides earlier writes), so poll a write-then-read.
      await vi.waitFor(
        async () => {
          await store.set('after', utf8('resumed'), HOUR);
          expect(await store.get('after')).toEqual(utf8('resumed'));
        },
        { interval: 50, timeout: 5000 },
      );
      expect(await store.add('after', utf8('again'), HOUR)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('fails fast with StoreError when nothing listens at all', async () => {
    const store = new MemcachedStore({ servers: ['127.0.0.1:1'], prefix: 'o_nothing', timeout: TIMEOUT_MS });
    try {
      await expectFailsFast('get', () => store.get('k'));
      await expectFailsFast('set', () => store.set('k', utf8('v'), HOUR));
    } finally {
      await store.close();
    }
  });
});
