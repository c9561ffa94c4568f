import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The shared test server (user postgres, trust auth, database `test`). */
export const POSTGRES_URL = process.env.CACHE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A table name no other test run uses. */
export function uniqueTable(label: string): string {
  return `cache_pgt_${label}_${randomBytes(4).toString('hex')}`;
}

/** A small pool of its own, for setup and for looking behind the store's back. */
export function adminPool(): pg.Pool {
  return new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
}

/** Drops each table if it exists. */
export async function dropTables(pool: pg.Pool, tables: Iterable<string>): Promise<void> {
  for (const table of tables) await pool.query(`DROP TABLE IF EXISTS "${table}"`);
}
