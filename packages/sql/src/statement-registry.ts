import type { StatementTimeouts } from './statement-timeouts.js';
import type { SqlStatements } from './statements.js';

/**
 * What an executor of a networked dialect (`@cache/postgres`, `@cache/mysql`)
 * knows about the statement texts of the stores it serves: which ones are
 * **fixed** (worth keeping prepared on each connection) and which ones are
 * **maintenance** (`flush`, `prune`, table creation: they may touch many rows,
 * so executors give them a longer deadline).
 *
 * Why only fixed texts: a prepared statement stays allocated on every pooled
 * connection until it closes, and servers cap them (MySQL's
 * `max_prepared_stmt_count`, 16,382 by default, for all clients together).
 * `setMany(n)` renders a text per batch size (up to 500 of them), so across a
 * pool and a few processes those alone could exhaust the cap; executors run
 * such one-off texts unprepared (still parameterised).
 */
export class StatementRegistry {
  readonly #fixed = new Set<string>();
  readonly #maintenance = new Set<string>();

  /**
   * Registers the statements of one store: every single-row statement, and the
   * batch reads/deletes at each padded size the store can produce.
   */
  register(statements: SqlStatements): void {
    const fixed = [
      statements.get,
      statements.set,
      statements.add,
      statements.addTakeover,
      statements.insert,
      statements.increment,
      statements.insertOrLock,
      statements.selectForUpdate,
      statements.update,
      statements.delete,
      statements.deleteIfEquals,
      statements.flush,
      statements.prune,
    ];
    // getMany/deleteMany pad their IN lists to a power of two, so these are all the texts they use.
    for (let size = 1; size <= statements.maxLookupBatch; size *= 2) {
      fixed.push(statements.getMany(size), statements.deleteMany(size));
    }
    for (const text of fixed) if (text !== undefined) this.#fixed.add(text);
    for (const text of [statements.flush, statements.prune, ...statements.createTable]) {
      this.#maintenance.add(text);
    }
  }

  /** Whether `text` is one of the fixed statements (kept prepared). */
  isFixed(text: string): boolean {
    return this.#fixed.has(text);
  }

  /** Whether `text` is a maintenance statement (longer deadline). */
  isMaintenance(text: string): boolean {
    return this.#maintenance.has(text);
  }

  /** The deadline of `text` under `timeouts`: the maintenance one for maintenance statements. */
  timeoutOf(text: string, timeouts: StatementTimeouts): number {
    return this.#maintenance.has(text) ? timeouts.maintenanceTimeoutMs : timeouts.queryTimeoutMs;
  }
}
