import { ConfigError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAINTENANCE_TIMEOUT_MS,
  DEFAULT_QUERY_TIMEOUT_MS,
  lookupBatchSize,
  parseTableName,
  postgresDialect,
  resolveStatementTimeouts,
  SqlStatements,
  StatementRegistry,
} from '../src/internal.js';

const statements = new SqlStatements(postgresDialect, parseTableName('cache_entries'));
const registry = new StatementRegistry();
registry.register(statements);

describe('StatementRegistry', () => {
  it('keeps every single-row statement and every padded batch size fixed', () => {
    for (const text of [statements.get, statements.set, statements.delete, statements.deleteIfEquals]) {
      expect(registry.isFixed(text)).toBe(true);
    }
    for (const count of [1, 3, 17, 100, statements.maxLookupBatch]) {
      const size = lookupBatchSize(count, statements.maxLookupBatch);
      expect(registry.isFixed(statements.getMany(size))).toBe(true);
      expect(registry.isFixed(statements.deleteMany(size))).toBe(true);
    }
  });

  it('leaves one-off multi-row upserts unprepared', () => {
    expect(registry.isFixed(statements.setMany(7))).toBe(false);
    expect(registry.isFixed('SELECT 1')).toBe(false);
  });

  it('gives maintenance statements the maintenance deadline and the rest the query deadline', () => {
    const timeouts = { queryTimeoutMs: 100, maintenanceTimeoutMs: 9_000 };
    for (const text of [statements.flush, statements.prune, ...statements.createTable]) {
      expect(registry.isMaintenance(text)).toBe(true);
      expect(registry.timeoutOf(text, timeouts)).toBe(9_000);
    }
    expect(registry.timeoutOf(statements.get, timeouts)).toBe(100);
    expect(registry.timeoutOf(statements.setMany(3), timeouts)).toBe(100);
  });
});

describe('resolveStatementTimeouts', () => {
  it('fills in the defaults, keeps 0 (no deadline) and accepts duration strings', () => {
    expect(resolveStatementTimeouts({})).toEqual({
      queryTimeoutMs: DEFAULT_QUERY_TIMEOUT_MS,
      maintenanceTimeoutMs: DEFAULT_MAINTENANCE_TIMEOUT_MS,
    });
    expect(resolveStatementTimeouts({ timeout: 0, maintenanceTimeout: 250 })).toEqual({
      queryTimeoutMs: 0,
      maintenanceTimeoutMs: 250,
    });
    expect(resolveStatementTimeouts({ timeout: '2s', maintenanceTimeout: '1.5m' })).toEqual({
      queryTimeoutMs: 2_000,
      maintenanceTimeoutMs: 90_000,
    });
    // A fraction of a ms rounds up: a deadline is never shortened.
    expect(resolveStatementTimeouts({ timeout: 1.5 }).queryTimeoutMs).toBe(2);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, 'soon', '30d', 2 ** 31])(
    'rejects %s with ConfigError',
    (value) => {
      const duration = value as never;
      expect(() => resolveStatementTimeouts({ timeout: duration })).toThrow(ConfigError);
      expect(() => resolveStatementTimeouts({ maintenanceTimeout: duration })).toThrow(ConfigError);
    },
  );
});
