import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { escapeGlob, keyNamespace, keySlot, SLOT_COUNT } from '../src/index.js';
import { clusterNodes } from './support.js';

describe('keySlot', () => {
  it('matches the reference values of the Redis Cluster specification', () => {
    // CRC16-XMODEM("123456789") = 0x31C3 is the spec's check value.
    expect(keySlot('123456789')).toBe(0x31c3 % SLOT_COUNT);
    expect(keySlot(Buffer.from('123456789'))).toBe(0x31c3 % SLOT_COUNT);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('foo{{bar}}zap')).toBe(keySlot('{bar'));
    // An empty tag `{}` does not count: the whole key is hashed.
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it('hashes a string as its UTF-8 bytes, also through a Uint8Array view', () => {
    const key = 'ünïcødé ключ 🚀';
    const bytes = new TextEncoder().encode(`xx${key}`).subarray(2);
    expect(keySlot(bytes)).toBe(keySlot(key));
    expect(keySlot(Buffer.from(key))).toBe(keySlot(key));
  });

  it.runIf(clusterNodes.length > 0)(
    'agrees with CLUSTER KEYSLOT of a real node for assorted keys',
    async () => {
      const [host, port] = clusterNodes[0]!.split(':');
      const raw = new Redis({ host, port: Number(port), lazyConnect: true });
      await raw.connect();
      try {
        const keys = ['', 'a', 'app:user:1', 'ünïcødé ключ', 'emoji 🚀', '{tag}x', 'x{}y', 'foo{{bar}}zap'];
        keys.push('k'.repeat(1024), `${keyNamespace('a:b*', false)}k`, `${keyNamespace('a:b*', true)}k`);
        for (let i = 0; i < 50; i++) keys.push(`app:key-${i}`);
        for (const key of keys) {
          const expected = Number(await raw.call('CLUSTER', 'KEYSLOT', key));
          expect(keySlot(key), JSON.stringify(key)).toBe(expected);
          expect(keySlot(Buffer.from(key)), JSON.stringify(key)).toBe(expected);
        }
      } finally {
        await raw.quit();
      }
    },
  );
});

describe('escapeGlob', () => {
  it('escapes every glob metacharacter', () => {
    expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f');
    expect(escapeGlob('plain:prefix')).toBe('plain:prefix');
  });
});
