import { utf8 } from '@cache/core';
import { afterAll, describe, expect, it } from 'vitest';
import { MysqlStore } from '../src/index.js';
import { adminPool, dropTables, MYSQL_URL, uniqueTable } from './support/mysql.js';

const LONG_TTL = 3_600_000;
const admin = adminPool();
const table = uniqueTable('coal');
const store = new MysqlStore({ uri: MYSQL_URL, prefix: 'coal', table, poolOptions: { connectionLimit: 3 } });
const plain = new MysqlStore({ uri: MYSQL_URL, prefix: 'coal', table, coalesce: false });

afterAll(async () => {
  await store.close();
  await plain.close();
  await dropTables(admin, [table]);
  await admin.end();
});

const decode = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

describe('MysqlStore coalescing', () => {
  it('gets and sets issued together (over the batch limits) read and write every key; the last write wins', async () => {
    const keys = Array.from({ length: 1_100 }, (_, i) => `c${i}`);
    await store.get('warm');
    await Promise.all([
      ...keys.map((key) => store.set(key, utf8(`v-${key}`), LONG_TTL)),
      store.set('c3', utf8('last'), LONG_TTL),
    ]);
    const values = await Promise.all([...keys, 'missing'].map((key) => store.get(key)));
    expect(values.map(decode)).toEqual([
      ...keys.map((key) => (key === 'c3' ? 'last' : `v-${key}`)),
      undefined,
    ]);
    // (How many statements that took is checked in @cache/sql's coalescing tests.)
    // A store without coalescing reads the same rows.
    expect(decode(await plain.get('c3'))).toBe('last');
  });
});
