import Database from 'better-sqlite3';
import { SQLITE_DEFAULTS, type SqliteFileOptions } from './options.js';

/**
 * Opens a database file for a store that will own it: busy timeout (resolved,
 * in ms) so that several processes can share the file, then WAL and the chosen
 * `synchronous` level for file databases.
 */
export function openDatabase(options: SqliteFileOptions, busyTimeoutMs: number): Database.Database {
  const db = new Database(options.filename, {
    ...options.databaseOptions,
    timeout: busyTimeoutMs,
  });
  try {
    if (!db.memory) {
      // Switching to WAL is persistent in the file and a no-op when another
      // process already did it.
      db.pragma(`journal_mode = ${options.journalMode ?? SQLITE_DEFAULTS.journalMode}`);
      db.pragma(`synchronous = ${options.synchronous ?? SQLITE_DEFAULTS.synchronous}`);
    }
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
