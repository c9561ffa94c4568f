import { ConfigError } from '@cache/core';

/** Default table of every SQL store. */
export const DEFAULT_TABLE = 'cache_entries';

/**
 * Longest accepted identifier part. Postgres silently truncates identifiers past
 * 63 bytes; keeping table names to 48 leaves room for the derived index name
 * (`<table>_expires_at_idx`) within every dialect's limit.
 */
export const MAX_IDENTIFIER_LENGTH = 48;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A validated table name, optionally schema-qualified (`schema.table`). */
export interface TableName {
  /** The schema (Postgres schema, MySQL database, SQLite attached database), or `undefined`. */
  readonly schema: string | undefined;
  /** The table itself. */
  readonly name: string;
  /** Name of the expiry index derived from the table name. */
  readonly indexName: string;
}

/**
 * Validates a table name: one or two identifiers `[A-Za-z_][A-Za-z0-9_]*` of at
 * most `MAX_IDENTIFIER_LENGTH` (48) characters, separated by one dot.
 *
 * Identifiers are always validated and then quoted, never interpolated raw, so a
 * table name cannot smuggle SQL into a statement.
 *
 * @throws {@link "@cache/core"!ConfigError | ConfigError} for anything else, before any SQL is sent.
 */
export function parseTableName(input: unknown): TableName {
  if (typeof input !== 'string') throw new ConfigError(`table must be a string, got ${typeof input}`);
  const parts = input.split('.');
  if (parts.length > 2) {
    throw new ConfigError(`table "${input}" must be "table" or "schema.table"`);
  }
  for (const part of parts) assertIdentifier(part, input);
  const name = parts[parts.length - 1] as string;
  return { schema: parts.length === 2 ? parts[0] : undefined, name, indexName: `${name}_expires_at_idx` };
}

function assertIdentifier(part: string, whole: string): void {
  if (!IDENTIFIER.test(part)) {
    throw new ConfigError(
      `table "${whole}" is not a valid SQL identifier: use letters, digits and "_", not starting with a digit, with an optional "schema." prefix`,
    );
  }
  if (part.length > MAX_IDENTIFIER_LENGTH) {
    throw new ConfigError(
      `identifier "${part}" in table "${whole}" is longer than ${MAX_IDENTIFIER_LENGTH} characters`,
    );
  }
}
