import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** The shared test server (root without password, database `test`). */
export const MYSQL_URL = process.env.CACHE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** A table name no other test run uses. */
export function uniqueTable(label: string): string {
  return `cache_myt_${label}_${randomBytes(4).toString('hex')}`;
}

/** A small pool of its own, for setup and for looking behind the store's back. */
export function adminPool(): mysql.Pool {
  return mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2 });
}

/** Drops each table if it exists. */
export async function dropTables(pool: mysql.Pool, tables: Iterable<string>): Promise<void> {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS \`${table}\``);
}
