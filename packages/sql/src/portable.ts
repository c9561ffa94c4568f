/**
 * The portable paths of `add` and `increment`, for dialects without a single
 * atomic statement (MySQL; SQLite through an executor), and the explanation of
 * a refused single-statement increment (PostgreSQL).
 *
 * @packageDocumentation
 */

import { addCounter, ConflictError, decodeCounter, encodeCounter, NotNumericError } from '@cache/core';
import type { SqlDialect } from './dialect.js';
import type { SqlCallOptions, SqlExecutor, SqlParam } from './executor.js';
import { isLive } from './expiry.js';
import { toInteger, toValueBytes } from './row-values.js';
import type { SqlStatements } from './statements.js';

/** Attempts of a transactional increment that keeps losing to deadlocks or deletes. */
const MAX_TRANSACTION_ATTEMPTS = 5;
const ZERO = encodeCounter(0);

/** The row locked by a transactional increment was deleted before the locking read. */
class RowVanishedError extends Error {}

/** What the portable paths run on: a store's executor, dialect and statements. */
export interface SqlParts {
  readonly executor: SqlExecutor;
  readonly dialect: SqlDialect;
  readonly statements: SqlStatements;
}

/**
 * `add` in two steps, each atomic: replace an expired row in place (row lock),
 * else insert; the primary key lets exactly one concurrent inserter win, and a
 * duplicate-key error means "present".
 */
export async function addInTwoSteps(
  parts: SqlParts,
  id: readonly SqlParam[],
  value: Uint8Array,
  expiresAt: number,
  now: number,
  signal: SqlCallOptions | undefined,
): Promise<boolean> {
  const { executor, statements } = parts;
  const takeover = await executor.execute(statements.addTakeover, [value, expiresAt, ...id, now], signal);
  if (takeover.affectedRows > 0) return true;
  try {
    await executor.execute(statements.insert, [...id, value, expiresAt], signal);
    return true;
  } catch (error) {
    if (parts.dialect.isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/**
 * Increment as a locking transaction: insert a `0` row or lock the existing one,
 * read it under the lock, write the sum. The numeric rule is `@cache/core`'s
 * `decodeCounter` (canonical decimal integers), applied in JS. Retried a few
 * times on a deadlock or when a concurrent delete removed the row between the
 * two statements; each attempt was rolled back entirely, so a retry cannot
 * double-apply.
 *
 * @throws `NotNumericError` (value kept), `ConflictError` after repeated lost rows,
 *   or the driver's error
 */
export async function incrementInTransaction(
  parts: SqlParts,
  key: string,
  id: readonly SqlParam[],
  delta: number,
  expiresAt: number,
  signal: SqlCallOptions | undefined,
): Promise<number> {
  const executor = parts.executor as Required<SqlExecutor>;
  const s = parts.statements;
  for (let attempt = 1; ; attempt++) {
    try {
      return await executor.transaction<number>(async (tx) => {
        await tx.execute(s.insertOrLock, [...id, ZERO, expiresAt], signal);
        const row = (await tx.query(s.selectForUpdate, id, signal))[0];
        if (row === undefined) throw new RowVanishedError();
        const current = isLive(toInteger(row.expires_at), Date.now())
          ? decodeCounter(key, toValueBytes(row.value, key))
          : 0;
        const next = addCounter(key, current, delta);
        await tx.execute(s.update, [encodeCounter(next), expiresAt, ...id], signal);
        return next;
      }, signal);
    } catch (error) {
      const retryable = error instanceof RowVanishedError || parts.dialect.isTransientTransactionError(error);
      if (retryable && attempt < MAX_TRANSACTION_ATTEMPTS) continue;
      if (error instanceof RowVanishedError) {
        throw new ConflictError(`increment of "${key}" kept losing its row to concurrent deletes`);
      }
      throw error;
    }
  }
}

/**
 * The precise error for an increment the single statement refused (no row came
 * back): one extra read, on a rare path. The statement applies the same rule in
 * SQL; this names what was wrong in the words of `@cache/core`'s counter helpers.
 */
export async function explainRejectedIncrement(
  parts: SqlParts,
  key: string,
  id: readonly SqlParam[],
  delta: number,
  signal: SqlCallOptions | undefined,
): Promise<NotNumericError> {
  const rows = await parts.executor.query(parts.statements.get, [...id, Date.now()], signal);
  const row = rows[0];
  if (row === undefined) return new NotNumericError(key);
  try {
    addCounter(key, decodeCounter(key, toValueBytes(row.value, key)), delta);
  } catch (error) {
    if (error instanceof NotNumericError) return error;
    throw error;
  }
  return new NotNumericError(key);
}
