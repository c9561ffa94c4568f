import { chunks } from './batch.js';
import type { SqlParam, SqlQueryable } from './executor.js';
import type { SqlStatements } from './statements.js';

/** One `set` waiting for its batch: the key, its row parameters, and its caller. */
interface PendingSet {
  readonly key: string;
  /** `...I, value, expires_at`. */
  readonly row: SqlParam[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Writes the rows of one batch: a single-row statement for one row, multi-row
 * upserts for more (already distinct by key and in lock order).
 */
export type WriteRows = (rows: readonly SqlParam[][]) => Promise<unknown>;

/**
 * Coalesces the `set` calls issued in one tick into one multi-row upsert (one
 * statement, one commit), which is what a networked database spends most of a
 * write on: with 64 callers in flight, a few commits carry them all instead of
 * 64. A lone `set` still goes out as the single-row upsert, one tick later.
 *
 * - Duplicate keys in a batch: the last write wins (what applying them in order
 *   would leave), and every caller of the key is answered with the batch.
 * - Rows are sorted by their key identity, so two batches (or a batch and a
 *   `setMany`, sorted the same way) lock rows in one order and cannot deadlock.
 * - A batch succeeds or fails as a whole: every caller in it gets the outcome.
 */
export class SetBatcher {
  #pending: PendingSet[] = [];
  #scheduled = false;
  readonly #write: WriteRows;
  readonly #flush = (): void => this.#send();

  /** @param write - sends the rows of one batch */
  constructor(write: WriteRows) {
    this.#write = write;
  }

  /** Queues one row (`...I, value, expires_at`) of `key`; resolves once its batch is written. */
  add(key: string, row: SqlParam[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ key, row, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the microtasks of this tick: every caller resumed by one answer joins.
        process.nextTick(this.#flush);
      }
    });
  }

  #send(): void {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    const rows = batch.length === 1 ? [(batch[0] as PendingSet).row] : distinctRowsInLockOrder(batch);
    this.#write(rows).then(
      () => {
        for (const pending of batch) pending.resolve();
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }
}

/** One row per key (the last one), sorted by key identity (`prefix, key` or `prefix, key_hash`). */
function distinctRowsInLockOrder(batch: readonly PendingSet[]): SqlParam[][] {
  const byKey = new Map<string, SqlParam[]>();
  for (const { key, row } of batch) byKey.set(key, row);
  return sortByIdentity([...byKey.values()]);
}

function sortByIdentity(rows: SqlParam[][]): SqlParam[][] {
  return rows.sort(compareIdentity);
}

/**
 * Orders rows (or key identities) by their second parameter, the key or its
 * SHA-256 (the first is the prefix, the same within one store): the order every
 * multi-row write of a store takes its row locks in.
 */
export function compareIdentity(a: readonly SqlParam[], b: readonly SqlParam[]): number {
  const x = a[1];
  const y = b[1];
  if (x instanceof Uint8Array && y instanceof Uint8Array) return Buffer.compare(x, y);
  const p = String(x);
  const q = String(y);
  return p < q ? -1 : p > q ? 1 : 0;
}

/**
 * The {@link WriteRows} of a store: the single-row upsert for one row, multi-row
 * upserts of up to {@link SqlStatements.maxRowBatch} rows (sent together) for more.
 */
export function upsertRows(executor: SqlQueryable, statements: SqlStatements): WriteRows {
  return (rows) => {
    if (rows.length === 1) return executor.execute(statements.set, rows[0] as SqlParam[]);
    return Promise.all(
      chunks(rows, statements.maxRowBatch).map((batch) =>
        executor.execute(statements.setMany(batch.length), batch.flat()),
      ),
    );
  };
}
