import { fromUtf8, StoreError, utf8 } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStore } from '../src/index.js';
import { DynaliteProcess } from './support/dynalite-process.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './support/dynalite-server.js';

const LONG_TTL = 3_600_000;
const TIMEOUT_MS = 1_000;

let server: DynaliteProcess;

beforeAll(async () => {
  server = await DynaliteProcess.start();
});

afterAll(async () => {
  await server?.stop();
});

describe('DynamoStore when its server is killed and restarted', () => {
  it('fails fast with StoreError while the server is down and works again after the restart', async () => {
    const store = new DynamoStore({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      table: 'fault_entries',
      prefix: 'down',
      timeout: TIMEOUT_MS,
      batchTimeout: TIMEOUT_MS,
    });
    try {
      await store.set('durable', utf8('before'), LONG_TTL);
      expect(await store.increment('n', 1, LONG_TTL)).toBe(1);

      await server.kill();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => store.get('durable')],
        ['set', () => store.set('k', utf8('v'), LONG_TTL)],
        ['add', () => store.add('k2', utf8('v'), LONG_TTL)],
        ['increment', () => store.increment('n', 1, LONG_TTL)],
        ['getMany', () => store.getMany(['a', 'b'])],
        ['deleteIfEquals', () => store.deleteIfEquals('durable', utf8('before'))],
        ['flush', () => store.flush()],
      ];
      for (const [name, call] of calls) {
        const started = Date.now();
        const error = await call().catch((caught: unknown) => caught);
        expect(error, name).toBeInstanceOf(StoreError);
        expect(Date.now() - started, `${name} took too long to fail`).toBeLessThan(TIMEOUT_MS + 500);
      }

      await server.restart();
      // The same store (and SDK client) works again; the data survived on disk.
      await vi.waitFor(async () => expect(await store.get('durable')).toBeDefined(), {
        interval: 50,
        timeout: 15_000,
      });
      expect(fromUtf8((await store.get('durable')) as Uint8Array)).toBe('before');
      expect(await store.increment('n', 1, LONG_TTL)).toBe(2);
    } finally {
      await store.close();
    }
  }, 40_000);

  it('sets its table up again when the server comes back without it', async () => {
    const store = new DynamoStore({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      table: 'fault_entries',
      prefix: 'wiped',
      timeout: TIMEOUT_MS,
    });
    try {
      await store.set('lost', utf8('before'), LONG_TTL);
      await server.kill();
      await server.restart({ wipe: true });
      await vi.waitFor(() => store.set('k', utf8('after'), LONG_TTL), { interval: 50, timeout: 15_000 });
      expect(fromUtf8((await store.get('k')) as Uint8Array)).toBe('after');
      expect(await store.get('lost')).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 40_000);
});
