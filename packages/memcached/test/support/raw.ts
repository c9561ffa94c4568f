import memjs, { type Client, type Server } from 'memjs';
import { BinaryProtocol } from '../../src/binary-protocol.js';
import { toWireKey } from '../../src/key-mapping.js';

/** A memjs client of the test's own, to look at what the store wrote, bypassing it. */
export interface RawMemcached {
  readonly client: Client;
  readonly protocol: BinaryProtocol;
  /** The memcached key `key` is stored under right now for `prefix` (reads the generation). */
  wireKey(prefix: string, key: string): Promise<string>;
  close(): void;
}

/** Opens a raw client on `addresses` (one server unless several are given). */
export function openRaw(...addresses: string[]): RawMemcached {
  const client = memjs.Client.create(addresses.join(','), {
    retries: 1,
    timeout: 2,
    logger: { log() {} },
  });
  const protocol = new BinaryProtocol(client, 5000);
  return {
    client,
    protocol,
    async wireKey(prefix, key) {
      const generation = await protocol.get(`${prefix}:__ns`);
      if (generation === undefined) throw new Error(`prefix ${prefix} has no generation yet`);
      return toWireKey(`${prefix}:${generation.value.toString('latin1')}`, key).key;
    },
    close() {
      client.close();
    },
  };
}

/** Counts the writes (one per request or pipelined batch) each server of `client` receives. */
export function countWrites(client: Client): { counts: Map<Server, number>; restore(): void } {
  const counts = new Map<Server, number>();
  const restores: (() => void)[] = [];
  for (const server of client.servers) {
    const original = server.write;
    const patched: typeof original = function (this: Server, blob) {
      counts.set(server, (counts.get(server) ?? 0) + 1);
      return original.call(this, blob);
    };
    server.write = patched;
    restores.push(() => {
      server.write = original;
    });
  }
  return {
    counts,
    restore() {
      for (const restore of restores) restore();
    },
  };
}
