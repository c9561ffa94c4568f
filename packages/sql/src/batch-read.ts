import type { SqlCallOptions, SqlParam, SqlQueryable } from './executor.js';
import type { KeyIdentity } from './key-identity.js';
import { toBytes, toValueBytes } from './row-values.js';
import { lookupBatchSize, type SqlStatements } from './statements.js';

/**
 * `prefix, lookup × size`: the parameters of a padded `IN (…)` statement,
 * repeating the last lookup (harmless in `IN`) so that only a handful of
 * statement texts exist.
 */
export function lookupParams(prefix: string, lookups: readonly SqlParam[], size: number): SqlParam[] {
  const params: SqlParam[] = [prefix, ...lookups];
  const last = params[params.length - 1] as SqlParam;
  while (params.length < size + 1) params.push(last);
  return params;
}

/**
 * Reads one batch of distinct, already checked keys (with their lookup values
 * from {@link KeyIdentity.lookup}) into `found`, in one statement.
 */
export async function readBatch(
  executor: SqlQueryable,
  statements: SqlStatements,
  ids: KeyIdentity,
  batch: readonly string[],
  lookups: readonly SqlParam[],
  found: Map<string, Uint8Array>,
  signal: SqlCallOptions | undefined,
): Promise<void> {
  const size = lookupBatchSize(batch.length, statements.maxLookupBatch);
  const params = lookupParams(ids.prefix, lookups, size);
  params.push(Date.now());
  const rows = await executor.query(statements.getMany(size), params, signal);
  if (ids.storage === 'plain') {
    // Keys are well-formed UTF-16 (checked by KeyIdentity), so the stored text is the key itself.
    for (const row of rows) {
      const key = String(row.cache_key);
      found.set(key, toValueBytes(row.value, key));
    }
    return;
  }
  // sha256 storage: map rows back by hash and keep only those whose stored key is
  // byte-for-byte the requested one.
  const wanted = new Map<string, string[]>();
  for (const [i, key] of batch.entries()) {
    const hash = (lookups[i] as Buffer).toString('latin1');
    const list = wanted.get(hash);
    if (list === undefined) wanted.set(hash, [key]);
    else list.push(key);
  }
  for (const row of rows) {
    const keys = wanted.get(Buffer.from(toBytes(row.key_hash)).toString('latin1')) ?? [];
    const storedKey = Buffer.from(toBytes(row.cache_key));
    for (const key of keys) {
      if (storedKey.equals(Buffer.from(key, 'utf8'))) found.set(key, toValueBytes(row.value, key));
    }
  }
}

/**
 * Reads distinct, already checked keys (with their lookup values) in batches of
 * at most {@link SqlStatements.maxLookupBatch}, one statement each.
 */
export async function readAll(
  executor: SqlQueryable,
  statements: SqlStatements,
  ids: KeyIdentity,
  keys: readonly string[],
  lookups: readonly SqlParam[],
  signal: SqlCallOptions | undefined,
): Promise<Map<string, Uint8Array>> {
  const found = new Map<string, Uint8Array>();
  const max = statements.maxLookupBatch;
  for (let start = 0; start < keys.length; start += max) {
    const end = start + max;
    await readBatch(
      executor,
      statements,
      ids,
      keys.slice(start, end),
      lookups.slice(start, end),
      found,
      signal,
    );
  }
  return found;
}
