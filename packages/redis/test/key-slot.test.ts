import { describe, expect, it } from 'vitest';
import { escapeGlob, keySlot } from '../src/index.js';
import { Redis } from 'ioredis';
import { clusterNodes } from './support.js';

describe('keySlot', () => {
  it('matches the reference values of the Redis Cluster specification', () => {
    // CRC16-XMODEM("123456789") = 0x31C3 is the spec's check value.
    expect(keySlot(Buffer.from('123456789'))).toBe(0x31c3 % 16384);
    expect(keySlot(Buffer.from('{user1000}.following'))).toBe(keySlot(Buffer.from('user1000')));
    expect(keySlot(Buffer.from('foo{}{bar}'))).toBe(keySlot(Buffer.from('foo{}{bar}')));
    expect(keySlot(Buffer.from('foo{{bar}}zap'))).toBe(keySlot(Buffer.from('{bar')));
  });

  it.runIf(clusterNodes.length > 0)('agrees with a cluster node for assorted keys', async () => {
    const [host, port] = clusterNodes[0]!.split(':');
    const raw = new Redis({ host, port: Number(port), lazyConnect: true });
    await raw.connect();
    const keys = ['', 'a', 'app:user:1', 'ünïcødé ключ', '{tag}x', 'x{}y', 'k'.repeat(1024), 'foo{{bar}}zap'];
    for (let i = 0; i < 50; i++) keys.push(`app:key-${i}`);
    for (const key of keys) {
      const expected = await raw.call('CLUSTER', 'KEYSLOT', key);
      expect(keySlot(Buffer.from(key))).toBe(Number(expected));
    }
    await raw.quit();
  });
});

describe('escapeGlob', () => {
  it('escapes every glob metacharacter', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
    expect(escapeGlob('plain:prefix')).toBe('plain:prefix');
  });
});
