import { randomBytes } from 'node:crypto';
import { fromUtf8, StoreError, utf8 } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedStore } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';
import { countWrites, openRaw, type RawMemcached } from './support/raw.js';

const HOUR = 3_600_000;
const KEYS = Array.from({ length: 300 }, (_, i) => (i % 10 === 0 ? `spaced key ${i}` : `key-${i}`));

let servers: MemcachedProcess[];
let direct: RawMemcached[];
let all: RawMemcached;

beforeAll(async () => {
  servers = await Promise.all([MemcachedProcess.start(), MemcachedProcess.start(), MemcachedProcess.start()]);
  direct = servers.map((server) => openRaw(server.address));
  all = openRaw(...servers.map((server) => server.address));
});

afterAll(async () => {
  for (const client of direct ?? []) client.close();
  all?.close();
  await Promise.all((servers ?? []).map((server) => server.kill()));
});

function open(prefix: string): MemcachedStore {
  return new MemcachedStore({ servers: servers.map((server) => server.address), prefix, timeout: 500 });
}

describe('MemcachedStore on three servers', () => {
  it('puts every key on exactly one server, the one memjs hashes it to, spread over all three', async () => {
    const prefix = `m_${randomBytes(4).toString('hex')}`;
    const store = open(prefix);
    try {
      await store.setMany(KEYS.map((key) => ({ key, value: utf8(key), ttl: HOUR })));
      const perServer = [0, 0, 0];
      for (const key of KEYS) {
        const wire = await all.wireKey(prefix, key);
        const holders: number[] = [];
        for (const [i, client] of direct.entries()) {
          if ((await client.protocol.get(wire)) !== undefined) holders.push(i);
        }
        expect(holders, `servers holding "${key}"`).toEqual([Number(store.client.getServer(wire))]);
        const holder = holders[0] as number;
        perServer[holder] = (perServer[holder] ?? 0) + 1;
      }
      for (const count of perServer) expect(count).toBeGreaterThan(30);
    } finally {
      await store.close();
    }
  });

  it('maps keys the same way in every client: a second client reads every key back', async () => {
    const prefix = `m_${randomBytes(4).toString('hex')}`;
    const writer = open(prefix);
    const reader = open(prefix);
    try {
      await writer.setMany(KEYS.map((key) => ({ key, value: utf8(key), ttl: HOUR })));
      const values = await Promise.all(KEYS.map((key) => reader.get(key)));
      expect(values.map((value) => value && fromUtf8(value))).toEqual(KEYS);
      // Counters and flush work across servers too.
      await Promise.all(KEYS.map((key) => writer.increment(`n:${key}`, 2, HOUR)));
      expect(await reader.increment(`n:${KEYS[7]}`, 1, HOUR)).toBe(3);
      await reader.flush();
      expect((await writer.getMany(KEYS)).every((value) => value === undefined)).toBe(true);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('getMany sends one pipelined write per server', async () => {
    const prefix = `m_${randomBytes(4).toString('hex')}`;
    const store = open(prefix);
    try {
      await store.setMany(KEYS.map((key) => ({ key, value: utf8(key), ttl: HOUR })));
      await store.get('warm-up');
      const writes = countWrites(store.client);
      let values: (Uint8Array | undefined)[];
      try {
        values = await store.getMany(KEYS);
      } finally {
        writes.restore();
      }
      expect(values.map((value) => value && fromUtf8(value))).toEqual(KEYS);
      for (const server of store.client.servers) {
        // One batch per server; the generation check rides in the same write as the
        // batch for the server holding `<prefix>:__ns`.
        expect(writes.counts.get(server), `writes to ${server.port}`).toBe(1);
      }
    } finally {
      await store.close();
    }
  });

  it('with one server down, keys on the others still work and keys on it fail fast with StoreError', async () => {
    const prefix = `m_${randomBytes(4).toString('hex')}`;
    const store = open(prefix);
    // Any server but the one holding the generation key (without it nothing of the prefix works).
    const victimIndex = (Number(store.client.getServer(`${prefix}:__ns`)) + 1) % servers.length;
    const victim = servers.find((server) => server.port === store.client.servers[victimIndex]?.port);
    if (victim === undefined) throw new Error('victim server not found');
    try {
      await store.setMany(KEYS.map((key) => ({ key, value: utf8(key), ttl: HOUR })));
      const wires = await Promise.all(KEYS.map((key) => all.wireKey(prefix, key)));
      await victim.kill();
      const onVictim = KEYS.filter(
        (_, i) => Number(store.client.getServer(wires[i] as string)) === victimIndex,
      );
      const elsewhere = KEYS.filter(
        (_, i) => Number(store.client.getServer(wires[i] as string)) !== victimIndex,
      );
      expect(onVictim.length).toBeGreaterThan(0);
      for (const key of elsewhere.slice(0, 20))
        expect(fromUtf8((await store.get(key)) as Uint8Array)).toBe(key);
      const started = Date.now();
      await expect(store.get(onVictim[0] as string)).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await store.close();
      await victim.kill();
      await victim.restart();
    }
  });
});
