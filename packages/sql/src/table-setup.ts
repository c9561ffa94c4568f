import type { SqlDialect } from './dialect.js';
import type { SqlCallOptions, SqlQueryable } from './executor.js';
import type { SqlStatements } from './statements.js';

/**
 * Creates a store's table on first use, once: concurrent first calls share one
 * attempt, a lost `CREATE … IF NOT EXISTS` race with another process counts as
 * success, and a failed attempt is retried by the next call.
 */
export class TableSetup {
  /** Whether the table is known to exist (or must not be created). */
  ready: boolean;
  private creating: Promise<void> | undefined;

  /**
   * @param executor - runs the DDL
   * @param dialect - recognises "already exists" errors
   * @param statements - the DDL
   * @param create - `false` when the table must never be created (`createTable: false`)
   */
  constructor(
    private readonly executor: SqlQueryable,
    private readonly dialect: SqlDialect,
    private readonly statements: SqlStatements,
    create: boolean,
  ) {
    this.ready = !create;
  }

  /** Resolves once the table exists; rejects with the driver's error. */
  ensure(options: SqlCallOptions | undefined): Promise<void> {
    this.creating ??= (async () => {
      for (const ddl of this.statements.createTable) {
        try {
          await this.executor.execute(ddl, [], options);
        } catch (error) {
          // Another process won the CREATE … IF NOT EXISTS race: the object exists, which is all we need.
          if (!this.dialect.isAlreadyExistsError(error)) throw error;
        }
      }
      this.ready = true;
    })().catch((error: unknown) => {
      this.creating = undefined;
      throw error;
    });
    return this.creating;
  }
}
