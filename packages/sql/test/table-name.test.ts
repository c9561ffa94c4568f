import { describe, expect, it } from 'vitest';
import { DEFAULT_TABLE, MAX_IDENTIFIER_LENGTH, parseTableName } from '../src/internal.js';

describe('parseTableName', () => {
  it('accepts identifiers with an optional schema and derives the index name', () => {
    expect(parseTableName(DEFAULT_TABLE)).toEqual({
      schema: undefined,
      name: 'cache_entries',
      indexName: 'cache_entries_expires_at_idx',
    });
    expect(parseTableName('_Private.T2')).toEqual({
      schema: '_Private',
      name: 'T2',
      indexName: 'T2_expires_at_idx',
    });
    expect(parseTableName('x'.repeat(MAX_IDENTIFIER_LENGTH)).name).toHaveLength(MAX_IDENTIFIER_LENGTH);
  });

  it.each([
    '',
    '1table',
    'cache-entries',
    'cache entries',
    'a.b.c',
    '.table',
    'schema.',
    'table;DROP TABLE users',
    '"quoted"',
    'caché',
    'x'.repeat(MAX_IDENTIFIER_LENGTH + 1),
  ])('rejects %j with a ConfigError', (name) => {
    expect(() => parseTableName(name)).toThrow(expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }));
  });

  it('rejects non-strings', () => {
    expect(() => parseTableName(42)).toThrow(expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }));
  });
});
