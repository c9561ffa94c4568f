import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect, type Server as TcpServer } from 'node:net';
import { fromUtf8, utf8 } from '@cache/core';
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedStore } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';

const HOUR = 3_600_000;
const silent = { log: () => {} };

let server: MemcachedProcess;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  server = await MemcachedProcess.start();
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await server?.kill();
});

const prefix = (): string => `r_${randomBytes(4).toString('hex')}`;

function open(address = server.address, options: { client?: memjs.Client } = {}): MemcachedStore {
  const store = new MemcachedStore({
    ...(options.client === undefined ? { servers: [address] } : { client: options.client }),
    prefix: prefix(),
  });
  closers.push(() => store.close());
  return store;
}

/** A TCP proxy that hands the client memcached's bytes one at a time, each in its own chunk. */
async function tricklingProxy(target: number): Promise<{ address: string; server: TcpServer }> {
  const proxy = createServer((socket) => {
    const upstream = tcpConnect(target, '127.0.0.1');
    socket.pipe(upstream);
    let queue = Promise.resolve();
    upstream.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        queue = queue.then(
          () =>
            new Promise<void>((resolve) =>
              setImmediate(() => socket.write(Buffer.of(byte), () => resolve())),
            ),
        );
      }
    });
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => proxy.close(resolve)));
  const { port } = proxy.address() as { port: number };
  return { address: `127.0.0.1:${port}`, server: proxy };
}

describe('MemcachedStore response routing', () => {
  it('reassembles responses split across chunks at every byte', async () => {
    const { address } = await tricklingProxy(server.port);
    const store = open(address);
    await store.set('a', utf8('first value'), HOUR);
    await store.set('b', utf8('second'), HOUR);
    const [a, b, many] = await Promise.all([store.get('a'), store.get('b'), store.getMany(['a', 'x', 'b'])]);
    expect(fromUtf8(a as Uint8Array)).toBe('first value');
    expect(fromUtf8(b as Uint8Array)).toBe('second');
    expect(many.map((value) => value && fromUtf8(value))).toEqual(['first value', undefined, 'second']);
  });

  it('leaves memjs commands on the same client working alongside the store', async () => {
    const client = memjs.Client.create(server.address, { logger: silent });
    closers.push(() => client.close());
    const store = open(server.address, { client });
    const rawKey = `${prefix()}:raw`;
    const [, stored] = await Promise.all([
      store.set('k', utf8('mine'), HOUR),
      client.set(rawKey, 'theirs', {}),
    ]);
    expect(stored).toBe(true);
    const [mine, theirs] = await Promise.all([store.get('k'), client.get(rawKey)]);
    expect(fromUtf8(mine as Uint8Array)).toBe('mine');
    expect(theirs.value?.toString()).toBe('theirs');
  });

  it('routes replies right for two stores sharing one client', async () => {
    const client = memjs.Client.create(server.address, { logger: silent });
    closers.push(() => client.close());
    const first = open(server.address, { client });
    const second = open(server.address, { client });
    await Promise.all([first.set('k', utf8('one'), HOUR), second.set('k', utf8('two'), HOUR)]);
    const reads = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? first : second).get('k')),
    );
    expect(reads.map((value) => fromUtf8(value as Uint8Array))).toEqual(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 'one' : 'two')),
    );
  });

  it('keeps working past 2³¹ and 2³² requests on one client (the opaque stays unsigned)', async () => {
    const store = open();
    await store.set('k', utf8('v'), HOUR);
    const client = store.client as unknown as { seq: number };
    for (const start of [2 ** 31 - 3, -3]) {
      // memjs wraps its sequence with `&= 0xffffffff`: signed past 2³¹, back to 0 past 2³².
      client.seq = start;
      const values = await Promise.all(Array.from({ length: 8 }, () => store.get('k')));
      expect(values.map((value) => fromUtf8(value as Uint8Array))).toEqual(Array(8).fill('v'));
    }
  });
});
