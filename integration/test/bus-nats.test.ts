import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, Cache, type Store } from '@cache/core';
import { runBusContract } from '@cache/contract';
import { MemoryStore } from '@cache/memory';
import { NatsBus, NatsStore } from '@cache/nats';
import { connect } from 'nats';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { describeBackend } from '../src/backends.js';
import { freePort } from '../src/free-port.js';
import { natsServer, ServerProcess } from '../src/server-process.js';

/**
 * NatsBus end to end: two `Cache`s, each an L1 in front of the shared NATS KV
 * bucket, each with its own NatsBus on the prefix's channel. The Bus contract runs
 * here against the shared server; its loss/recovery check runs in packages/nats
 * against a nats-server that test starts (the shared one is never restarted).
 */
const WAIT = { interval: 10, timeout: 10_000 };
const BUCKET = 'cache_integration';
const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close().catch(() => {});
});

async function nodes(
  makeStore: (prefix: string) => Store,
  makeBus: (channel: string) => Bus,
): Promise<{ a: Cache; b: Cache; sneaky: Cache; buses: Bus[] }> {
  const prefix = `bus-e2e-${randomUUID()}`;
  const buses = [makeBus(prefix), makeBus(prefix)];
  const [a, b] = buses.map((bus) => new Cache({ store: makeStore(prefix), l1: new MemoryStore(), bus }));
  const sneaky = new Cache({ store: makeStore(prefix) });
  opened.push(...buses, a as Cache, b as Cache, sneaky);
  for (const cache of [a, b] as Cache[]) {
    await vi.waitFor(async () => expect((await cache.health()).bus).toBe('connected'), WAIT);
  }
  return { a: a as Cache, b: b as Cache, sneaky, buses };
}

describeBackend('nats', (servers) => {
  const addresses = servers.split(',');
  runBusContract({
    name: 'nats (shared server)',
    create: ({ channel }) => new NatsBus({ servers: addresses, channel }),
  });

  describe('NatsBus end to end', () => {
    it('a write, delete or flush on one cache evicts the keys from the other L1', async () => {
      const { a, b, sneaky } = await nodes(
        (prefix) => new NatsStore({ servers: addresses, bucket: BUCKET, prefix }),
        (channel) => new NatsBus({ servers: addresses, channel }),
      );
      // L1 states are set up through `sneaky` (no bus message); each bus write is
      // followed by a poll that sees its effect, so no message is in flight when a
      // check relies on the L1 being used.
      await sneaky.set('k', 'v1');
      expect(await b.get('k')).toBe('v1');
      await sneaky.set('k', 'behind-the-back');
      expect(await b.get('k'), 'b serves its L1 copy: no message was sent').toBe('v1');
      await a.set('k', 'v2');
      await vi.waitFor(async () => expect(await b.get('k'), 'evicted by the message').toBe('v2'), WAIT);
      await a.delete('k');
      await vi.waitFor(async () => expect(await b.get('k')).toBeUndefined(), WAIT);
      await sneaky.set('z', 1);
      expect(await b.get('z')).toBe(1);
      await sneaky.set('z', 'behind-the-back');
      expect(await b.get('z')).toBe(1);
      await a.flush();
      await vi.waitFor(async () => expect(await b.get('z')).toBeUndefined(), WAIT);
    });

    it('an injected connection carries store and bus, and close() leaves it open', async () => {
      const connection = await connect({ servers: addresses });
      opened.push({ close: () => connection.close() });
      const { a, b, sneaky } = await nodes(
        (prefix) => new NatsStore({ connection, bucket: BUCKET, prefix }),
        (channel) => new NatsBus({ connection, channel }),
      );
      await sneaky.set('k', 'v1');
      expect(await b.get('k')).toBe('v1');
      await a.set('k', 'v2');
      await vi.waitFor(async () => expect(await b.get('k')).toBe('v2'), WAIT);
      for (const resource of opened.splice(1).reverse()) await resource.close();
      expect(connection.isClosed()).toBe(false);
      await expect(connection.flush()).resolves.toBeUndefined();
    });

    describe('with the bus on a nats-server of its own', () => {
      const root = mkdtempSync(join(tmpdir(), 'cache-it-bus-nats-'));
      let busServer: ServerProcess | undefined;
      afterAll(async () => {
        await busServer?.kill();
        rmSync(root, { recursive: true, force: true });
      });

      it('while the bus is down the L1 is bypassed, and entries from before the outage are not served after it', async () => {
        busServer = new ServerProcess(
          natsServer(() => mkdtempSync(join(root, 'run-'))),
          await freePort(),
        );
        await busServer.start();
        const busUrl = `127.0.0.1:${busServer.port}`;
        const { b, sneaky } = await nodes(
          (prefix) => new NatsStore({ servers: addresses, bucket: BUCKET, prefix }),
          (channel) => new NatsBus({ servers: busUrl, channel }),
        );
        await b.set('k', 'before');
        expect(await b.get('k')).toBe('before');
        await busServer.kill();
        await vi.waitFor(async () => expect((await b.health()).bus).toBe('disconnected'), WAIT);
        await sneaky.set('k', 'during');
        expect(await b.get('k'), 'no L1 while the bus is down').toBe('during');
        await busServer.start();
        await vi.waitFor(async () => expect((await b.health()).bus).toBe('connected'), WAIT);
        // b's L1 still holds 'before' (written before the outage): it must not be served.
        expect(await b.get('k'), 'the L1 entry from before the outage').toBe('during');
      });
    });
  });
});
