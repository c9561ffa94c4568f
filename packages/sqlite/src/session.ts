import { addCounter, decodeCounter, encodeCounter, type StoreEntry } from '@cache/core';
import { isLive, type SqlStatements, sqliteDialect, toInteger, toValueBytes } from '@cache/sql/internal';
import type Database from 'better-sqlite3';
import { PreparedStatements } from './prepared-statements.js';

/** Rows one `prune({ limit })` examines, per row it may delete. */
export const PRUNE_WINDOW = 4;

/** What a store runs once its table exists. */
export interface Session {
  readonly statements: PreparedStatements;
  /** The increment as one `BEGIN IMMEDIATE` transaction. */
  increment(key: string, delta: number, expiresAt: number): number;
  /** Upserts `[entry, expires_at]` rows in one `BEGIN IMMEDIATE` transaction. */
  setMany(rows: readonly (readonly [StoreEntry, number])[]): void;
  /** One bounded prune step in one `BEGIN IMMEDIATE` transaction; returns the rows deleted. */
  prune(limit: number): number;
}

/**
 * Creates the table (unless `createTable` is false), prepares the statements and
 * the write transactions of a store on `prefix`. Preparing needs the table, so
 * the store calls this lazily, on first use.
 */
export function openSession(
  db: Database.Database,
  sql: SqlStatements,
  prefix: string,
  createTable: boolean,
): Session {
  if (createTable) {
    for (const ddl of sql.createTable) {
      try {
        db.prepare(ddl).run();
      } catch (error) {
        // Another process created it between our IF NOT EXISTS check and ours.
        if (!sqliteDialect.isAlreadyExistsError(error)) throw error;
      }
    }
  }
  const statements = new PreparedStatements(db, sql);
  // BEGIN IMMEDIATE takes the write lock before the read, so no other process can
  // change the row between our read and our write.
  const increment = db.transaction((key: string, delta: number, expiresAt: number): number => {
    const row = statements.read.get(prefix, key) as { value: unknown; expires_at: unknown } | undefined;
    const live = row !== undefined && isLive(toInteger(row.expires_at), Date.now());
    const next = addCounter(key, live ? decodeCounter(key, toValueBytes(row.value, key)) : 0, delta);
    statements.set.run(prefix, key, encodeCounter(next), expiresAt);
    return next;
  });
  const setMany = db.transaction((rows: readonly (readonly [StoreEntry, number])[]) => {
    for (const [entry, expiresAt] of rows) statements.set.run(prefix, entry.key, entry.value, expiresAt);
  });
  // Where the next prune continues, in primary-key order ('' sorts before every prefix).
  let cursor: [string, string] = ['', ''];
  const prune = db.transaction((limit: number): number => {
    const window = limit * PRUNE_WINDOW;
    const rows = statements.pruneWindow.all(cursor[0], cursor[1], window) as [string, string, unknown][];
    const now = Date.now();
    let deleted = 0;
    let last: [string, string] | undefined;
    for (const [rowPrefix, rowKey, expiresAt] of rows) {
      last = [rowPrefix, rowKey];
      if (isLive(toInteger(expiresAt), now)) continue;
      // Under BEGIN IMMEDIATE: nobody can refresh the row between the read and the delete.
      statements.delete.run(rowPrefix, rowKey);
      if (++deleted === limit) break;
    }
    cursor = last === undefined || (rows.length < window && deleted < limit) ? ['', ''] : last;
    return deleted;
  });
  return {
    statements,
    increment: (key, delta, expiresAt) => increment.immediate(key, delta, expiresAt),
    setMany: (rows) => setMany.immediate(rows),
    prune: (limit) => prune.immediate(limit),
  };
}
