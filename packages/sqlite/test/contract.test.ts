import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCacheContract, runStoreContract } from '@cache/contract';
import { SqlStore, sqliteDialect } from '@cache/sql/internal';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { betterSqliteExecutor } from './support/better-sqlite-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'cache-sqlite-contract-'));
const filename = join(dir, 'contract.db');
const injected = new Database(join(dir, 'injected.db'));
injected.pragma('journal_mode = WAL');
const asyncPath = new Database(join(dir, 'async.db'));
asyncPath.pragma('journal_mode = WAL');
// One executor per connection, shared by every store on it (like a pool).
const asyncExecutor = betterSqliteExecutor(asyncPath);
afterAll(() => {
  injected.close();
  asyncPath.close();
  rmSync(dir, { recursive: true, force: true });
});

const memory = ({ prefix }: { prefix: string }) => new SqliteStore({ filename: ':memory:', prefix });
// Every store of the file variants opens the same file, as separate processes would.
const file = ({ prefix }: { prefix: string }) => new SqliteStore({ filename, prefix });

runStoreContract({ name: 'sqlite :memory:', create: memory });
runStoreContract({ name: 'sqlite file (WAL)', create: file });
runStoreContract({
  name: 'sqlite injected database',
  create: ({ prefix }) => new SqliteStore({ database: injected, prefix, table: 'injected_entries' }),
});
// The dialect-neutral async store running the SQLite dialect, as an async SQLite
// driver would: validates the shared statements and the transactional increment.
runStoreContract({
  name: 'SqlStore + sqliteDialect (async executor)',
  create: ({ prefix }) => new SqlStore({ dialect: sqliteDialect, executor: asyncExecutor, prefix }),
});

runCacheContract({ name: 'sqlite :memory:', create: memory });
runCacheContract({ name: 'sqlite file (WAL)', create: file });
runCacheContract({
  name: 'sqlite file (WAL), gzip + aes-256-gcm',
  create: file,
  cacheOptions: { compression: 'gzip', encryption: { key: randomBytes(32) } },
});
